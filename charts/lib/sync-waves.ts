/**
 * Argo CD sync waves of the per-environment Applications. Namespaces come first because
 * the Flink and Strimzi operators create RBAC in the namespaces they watch.
 */
export const syncWaves = {
  /** AppProjects, before any Application that names them. */
  projects: -4,
  namespaces: -3,
  certManager: -2,
  operators: -1,
  /** Monitors and policies in the operators' namespaces, which the operator Applications create. */
  operatorMetrics: 0,
  secretStore: 0,
  /** Components with no provider among the components; one that uses another's handle syncs a wave after it (BuiltCharts). */
  workloads: 1,
} as const;

/** Inside one Application: secrets before the pods that mount them. */
export const resourceWaves = {
  secrets: -1,
} as const;

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
