/**
 * The namespaces of the platform, in one place: operators watch them, the namespaces
 * chart creates them, the Argo CD project allows them, components deploy into them.
 */
export const workloadNamespaces = {
  warpstream: 'warpstream',
  kafkaConnect: 'kafka-connect',
  flink: 'flink',
  polaris: 'polaris',
  trino: 'trino',
} as const;

/** Namespaces of third-party operators; their Argo CD Applications create them. */
export const operatorNamespaces = {
  certManager: 'cert-manager',
  externalSecrets: 'external-secrets',
  flinkOperator: 'flink-operator',
  strimzi: 'strimzi',
} as const;
