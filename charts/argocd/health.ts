import { k8s } from 'cdk8s-plus-28';
import { App, Chart } from 'cdk8s';
import { toYaml } from '../lib/yaml';

/**
 * Argo CD health checks (Lua, `resource.customizations.health.<group>_<kind>` in argocd-cm).
 * Each waits until the operator has observed the current generation, so a new spec is
 * never reported with the health of the previous one.
 */
export const healthChecks: Record<string, string> = {
  // Argo CD 1.8+ no longer assesses Application health; app-of-apps sync waves need it back. A
  // child whose sync is still running (PostSync hooks such as Polaris's catalog creator) is not
  // healthy yet: the next wave needs what those hooks write.
  'argoproj.io_Application': `
local hs = { status = "Progressing", message = "Waiting for the application to report health" }
local op = obj.status ~= nil and obj.status.operationState or nil
if op ~= nil and (op.phase == "Running" or op.phase == "Terminating") then
  return { status = "Progressing", message = "Sync running: " .. (op.message or "") }
end
if obj.status ~= nil and obj.status.health ~= nil and obj.status.health.status ~= nil then
  hs.status = obj.status.health.status
  hs.message = obj.status.health.message or ""
end
return hs
`,
  // Flink Kubernetes Operator 1.15: status.lifecycleState, jobManagerDeploymentStatus, jobStatus.state.
  'flink.apache.org_FlinkDeployment': `
local st = obj.status
if st == nil or st.observedGeneration == nil or obj.metadata.generation == nil or st.observedGeneration < obj.metadata.generation then
  return { status = "Progressing", message = "Waiting for the Flink operator to observe the spec" }
end
local lifecycle = st.lifecycleState or "UNKNOWN"
local jm = st.jobManagerDeploymentStatus or "UNKNOWN"
local job = (st.jobStatus ~= nil and st.jobStatus.state) or nil
if lifecycle == "FAILED" or lifecycle == "ROLLED_BACK" or jm == "ERROR" or job == "FAILED" or job == "FAILING" then
  return { status = "Degraded", message = "lifecycle " .. lifecycle .. ", job " .. tostring(job) .. ": " .. tostring(st.error or "") }
end
if lifecycle == "SUSPENDED" then
  return { status = "Suspended", message = "Suspended by spec.job.state" }
end
local wantsJob = obj.spec ~= nil and obj.spec.job ~= nil
if (lifecycle == "STABLE" or lifecycle == "DEPLOYED") and jm == "READY" then
  if not wantsJob then
    return { status = "Healthy", message = "Session cluster ready" }
  end
  if job == "RUNNING" or job == "FINISHED" then
    return { status = "Healthy", message = "Job " .. job }
  end
end
return { status = "Progressing", message = "lifecycle " .. lifecycle .. ", job manager " .. jm .. ", job " .. tostring(job) }
`,
  'kafka.strimzi.io_KafkaConnect': strimziHealth(''),
  // KafkaConnector also reports the Connect REST status of the connector and its tasks
  // (status.connectorStatus, the body of GET /connectors/<name>/status). Strimzi 1.2.0 restarts
  // failed connectors itself (spec.autoRestart), so FAILED is Degraded until a restart works.
  'kafka.strimzi.io_KafkaConnector': strimziHealth(`
local cs = st.connectorStatus
if cs == nil or cs.connector == nil then
  return { status = "Progressing", message = "Waiting for the connector status from Kafka Connect" }
end
local state = cs.connector.state or "UNKNOWN"
if state == "FAILED" then
  return { status = "Degraded", message = "Connector FAILED: " .. tostring(cs.connector.trace or "") }
end
for _, t in ipairs(cs.tasks or {}) do
  if t.state == "FAILED" then
    return { status = "Degraded", message = "Task " .. tostring(t.id) .. " FAILED: " .. tostring(t.trace or "") }
  end
end
if state == "PAUSED" or state == "STOPPED" then
  return { status = "Suspended", message = "Connector " .. state }
end
if state ~= "RUNNING" then
  return { status = "Progressing", message = "Connector " .. state }
end
for _, t in ipairs(cs.tasks or {}) do
  if t.state ~= "RUNNING" then
    return { status = "Progressing", message = "Task " .. tostring(t.id) .. " " .. tostring(t.state) }
  end
end
`),
};

/**
 * Health of a Strimzi 1.2.0 custom resource. Strimzi reports failure as condition
 * `NotReady=True` (never `Ready=False`; StatusUtils in strimzi-kafka-operator 1.2.0) and
 * `Warning` conditions alongside either. `extra` runs once Ready is True and may return a
 * more precise status; without one the resource is Healthy. Replacing Argo CD's built-in
 * check for these kinds makes this the only check that runs.
 */
function strimziHealth(extra: string): string {
  return `
local st = obj.status
if st == nil or st.observedGeneration == nil or obj.metadata.generation == nil or st.observedGeneration < obj.metadata.generation then
  return { status = "Progressing", message = "Waiting for the Strimzi operator to observe the spec" }
end
local ready = false
for _, c in ipairs(st.conditions or {}) do
  if c.type == "NotReady" and c.status == "True" then
    return { status = "Degraded", message = (c.reason or "NotReady") .. ": " .. (c.message or "") }
  end
  if c.type == "Ready" and c.status == "False" then
    return { status = "Degraded", message = (c.reason or "Ready=False") .. ": " .. (c.message or "") }
  end
  if c.type == "Ready" and c.status == "True" then
    ready = true
  end
end
if not ready then
  return { status = "Progressing", message = "Waiting for the Ready condition" }
end
${extra.trim()}
return { status = "Healthy", message = "Ready" }
`;
}

export const HEALTH_CHECKS_FILE = 'argocd-cm.health-checks.yaml';

/**
 * The argocd-cm entries as a ConfigMap to merge into the one Argo CD owns:
 * `kubectl -n argocd patch configmap argocd-cm --type merge --patch-file dist/argocd-cm.health-checks.yaml`.
 */
export function renderHealthChecks(argocdNamespace: string): string {
  const chart = new Chart(new App({ outdir: '.build/unused' }), 'argocd-health');
  const cm = new k8s.KubeConfigMap(chart, 'argocd-cm', {
    metadata: {
      name: 'argocd-cm',
      namespace: argocdNamespace,
      // Argo CD reads argocd-cm only with this label.
      labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' },
    },
    data: Object.fromEntries(Object.entries(healthChecks).map(([key, lua]) => [`resource.customizations.health.${key}`, lua.trimStart()])),
  });
  return toYaml(cm.toJson());
}
