import { FlinkDeploymentSpecFlinkVersion } from '../../imports/flinkdeployment-flink.apache.org';

/** Facts of the Flink 1.20.0 image and the operator's chart. */
export const FLINK = {
  version: FlinkDeploymentSpecFlinkVersion.V1_UNDERSCORE_20,
  /** The Flink release of the image (images/flink/sql-jars/pom.xml flink.version). */
  release: '1.20.0',
  /** The flink user of the official image (Dockerfile: useradd --uid 9999). */
  uid: 9999,
  restPort: 8081,
  gatewayPort: 8083,
  /** HistoryServerOptions.HISTORY_SERVER_WEB_PORT default. */
  historyPort: 8082,
  /** The Role the operator chart 1.15.0 creates in watched namespaces for job pods (rbac.jobRole.name). */
  jobRole: 'flink',
  mainContainer: 'flink-main-container',
  usrlib: '/opt/flink/usrlib',
  localState: '/opt/flink/local-state',
  /** Job jars; written only by whoever publishes them (npm run publish-job), read by the applications. */
  jobsContainer: 'flink-jobs',
  tokenProvider: 'io.github.akslakehouse.abfs.WorkloadIdentityTokenProvider',
} as const;

/**
 * Flink keys for ADLS through the workload identity: the custom token provider baked into the
 * image beside the azure-fs-hadoop plugin. hadoop-azure 3.3.4 accepts a custom provider only
 * with auth type Custom (AbfsConfiguration.getTokenProvider).
 */
export const ABFS_KEYS = {
  'fs.azure.account.auth.type': 'Custom',
  'fs.azure.account.oauth.provider.type': FLINK.tokenProvider,
};

