import { Construct } from 'constructs';
import { Application, ApplicationSpecSource } from '../../imports/application-argoproj.io';
import { AppProject } from '../../imports/appproject-argoproj.io';
import { byGroupKindName, PlatformChart, recommendedLabels } from '../lib/chart';
import { operatorNamespaces, workloadNamespaces } from '../lib/namespaces';
import type { Platform } from '../lib/platform';
import { SYNC_WAVE_ANNOTATION, syncWaves } from '../lib/sync-waves';
import { helmOperators, HelmOperator } from './operators';

/** A directory of `dist/<env>/` that one Application syncs. */
export interface ComponentDirectory {
  readonly component: string;
  readonly syncWave: number;
  /** Namespaces the directory deploys into or creates, sorted; the first is the Application's destination. */
  readonly namespaces: readonly string[];
  /** Cluster-scoped objects the directory creates; the lakehouse project allows exactly these. */
  readonly clusterObjects: readonly { group: string; kind: string; name: string }[];
}

/** Cluster-scoped kinds the operator charts create. */
const OPERATOR_CLUSTER_KINDS = [
  { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
];

/**
 * Cascade deletion with foreground propagation, in its domain-qualified form (the bare
 * `resources-finalizer.argocd.argoproj.io` makes the API server warn). Argo CD v3.5.1
 * pkg/apis/application/v1alpha1/application_defaults.go, ForegroundPropagationPolicyFinalizer.
 */
export const CASCADE_DELETE_FINALIZER = 'resources-finalizer.argocd.argoproj.io/foreground';

const RETRY = { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } };

/**
 * Argo CD wiring of one environment: three projects (bootstrap, operators, lakehouse),
 * the root app-of-apps that syncs this directory, one Application per operator chart and
 * one per component directory, ordered by sync waves.
 */
export class ArgoCdChart extends PlatformChart {
  constructor(scope: Construct, platform: Platform, directories: readonly ComponentDirectory[]) {
    super(scope, platform, { component: 'argocd', syncWave: 0 });
    const { gitops, name: env } = platform.env;
    const ns = gitops.argocdNamespace;
    const destination = (namespace: string) => ({ server: gitops.destinationServer, namespace });
    const labels = (name: string) => recommendedLabels(name, 'gitops');
    // The AppProjects sync before every Application of the root app that names them.
    const projectMetadata = (name: string) => ({ name, namespace: ns, labels: labels(name), annotations: { [SYNC_WAVE_ANNOTATION]: String(syncWaves.projects) } });
    const projects = { bootstrap: `${env}-bootstrap`, operators: `${env}-operators`, lakehouse: `${env}-lakehouse` };

    new AppProject(this, 'project-bootstrap', {
      metadata: projectMetadata(projects.bootstrap),
      spec: {
        description: `aks-lakehouse ${env}: the app-of-apps; may only manage Applications and AppProjects`,
        sourceRepos: [gitops.repoURL],
        destinations: [destination(ns)],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [
          { group: 'argoproj.io', kind: 'Application' },
          { group: 'argoproj.io', kind: 'AppProject' },
        ],
      },
    });
    new AppProject(this, 'project-operators', {
      metadata: projectMetadata(projects.operators),
      spec: {
        description: `aks-lakehouse ${env}: third-party operators from pinned upstream Helm charts`,
        sourceRepos: helmOperators.map((o) => o.repoURL).sort(),
        // Operators create RBAC in the namespaces they watch.
        destinations: [...Object.values(operatorNamespaces), workloadNamespaces.flink, workloadNamespaces.kafkaConnect].sort().map(destination),
        clusterResourceWhitelist: OPERATOR_CLUSTER_KINDS,
      },
    });
    const lakehouseNamespaces = new Set(directories.flatMap((d) => d.namespaces));
    new AppProject(this, 'project-lakehouse', {
      metadata: projectMetadata(projects.lakehouse),
      spec: {
        description: `aks-lakehouse ${env}: the platform's own manifests from dist/${env}/`,
        sourceRepos: [gitops.repoURL],
        destinations: [...lakehouseNamespaces].sort().map(destination),
        // Exactly the cluster-scoped objects of our directories, by name.
        clusterResourceWhitelist: directories.flatMap((d) => d.clusterObjects).sort(byGroupKindName),
      },
    });

    const app = (id: string, props: { name: string; wave?: number; project: string; source: ApplicationSpecSource; namespace: string; syncOptions: string[]; cascadeDelete?: boolean; ignoreDifferences?: HelmOperator['ignoreDifferences']; podSecurity?: HelmOperator['podSecurity'] }) =>
      new Application(this, id, {
        metadata: {
          name: props.name,
          namespace: ns,
          labels: labels(props.name),
          annotations: props.wave === undefined ? undefined : { [SYNC_WAVE_ANNOTATION]: String(props.wave) },
          // Deleting a component Application deletes what it deployed. The root and the operators
          // carry no finalizer: deleting them must not cascade into every workload or every CRD.
          finalizers: props.cascadeDelete ? [CASCADE_DELETE_FINALIZER] : undefined,
        },
        spec: {
          project: props.project,
          source: props.source,
          destination: destination(props.namespace),
          ignoreDifferences: props.ignoreDifferences,
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            retry: RETRY,
            syncOptions: props.syncOptions,
            managedNamespaceMetadata: props.podSecurity
              ? { labels: { 'pod-security.kubernetes.io/enforce': props.podSecurity, 'pod-security.kubernetes.io/warn': 'restricted' } }
              : undefined,
          },
        },
      });

    const path = (dir: string) => `dist/${env}/${dir}`;
    app('root', {
      name: `${env}-root`,
      project: projects.bootstrap,
      source: { repoUrl: gitops.repoURL, targetRevision: gitops.targetRevision, path: path('argocd') },
      namespace: ns,
      syncOptions: ['PruneLast=true'],
    });

    for (const op of helmOperators) {
      const valuesObject = op.values(platform.env);
      app(`operator-${op.name}`, {
        name: `${env}-${op.name}`,
        wave: op.syncWave,
        project: projects.operators,
        source: op.chart
          ? { repoUrl: op.repoURL, chart: op.chart, targetRevision: op.version, helm: { releaseName: op.name, valuesObject } }
          : { repoUrl: op.repoURL, path: '.', targetRevision: op.version, helm: { releaseName: op.name, valuesObject } },
        namespace: op.namespace,
        // CRDs of these charts exceed the 256 KiB client-side apply annotation.
        syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
        ignoreDifferences: op.ignoreDifferences,
        podSecurity: op.podSecurity,
      });
    }

    for (const dir of directories) {
      app(`component-${dir.component}`, {
        name: `${env}-${dir.component}`,
        wave: dir.syncWave,
        project: projects.lakehouse,
        source: { repoUrl: gitops.repoURL, targetRevision: gitops.targetRevision, path: path(dir.component) },
        namespace: dir.namespaces[0],
        syncOptions: ['PruneLast=true', 'ServerSideApply=true'],
        cascadeDelete: true,
      });
    }
  }
}
