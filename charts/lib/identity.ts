import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { LakeLocation, UsedLocation } from './lake';
import type { Platform } from './platform';
import { Access, roleAllows } from './roles';
import { rules } from './validation';

/** Azure Workload Identity keys (azure-workload-identity v1.6.0, pkg/webhook/consts.go). */
export const WORKLOAD_IDENTITY = {
  useLabel: 'azure.workload.identity/use',
  clientIdAnnotation: 'azure.workload.identity/client-id',
  tenantIdAnnotation: 'azure.workload.identity/tenant-id',
  audience: 'api://AzureADTokenExchange',
} as const;

export interface WorkloadIdentityProps {
  /**
   * Name of the Azure user-assigned identity in the ledger. Service accounts that give the
   * same name share one identity and each get a federated credential.
   */
  readonly identityName: string;
  readonly namespace: string;
  /** @default - the identity name */
  readonly serviceAccountName?: string;
  /** Labels for the service account, e.g. the component's recommended labels. */
  readonly labels?: Record<string, string>;
  /**
   * Whether to render the service account. An operator that creates the account itself
   * (Strimzi names it `<cluster>-connect`) takes `serviceAccountAnnotations` in its template.
   * @default true
   */
  readonly createServiceAccount?: boolean;
}

/**
 * A Kubernetes service account federated to an Azure user-assigned identity. It creates
 * the service account (annotated with the identity's client ID once Bicep has created
 * it), records the federated subject in the ledger, and tells pods which label to carry.
 */
export class WorkloadIdentity extends Construct {
  /** The label a pod template must carry so the webhook injects the token (required, webhook docs). */
  static readonly podLabels: Readonly<Record<string, string>> = { [WORKLOAD_IDENTITY.useLabel]: 'true' };

  readonly identityName: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly serviceAccount?: ApiObject;
  /** The annotations the service account must carry: the identity's client ID and tenant. */
  readonly serviceAccountAnnotations: Record<string, string>;

  constructor(
    scope: Construct,
    id: string,
    private readonly platform: Platform,
    props: WorkloadIdentityProps,
  ) {
    super(scope, id);
    this.identityName = checkName('identityName', props.identityName);
    this.namespace = checkName('namespace', props.namespace);
    this.serviceAccountName = checkName('serviceAccountName', props.serviceAccountName ?? props.identityName);

    platform.ledger.addSubject(this.identityName, { namespace: this.namespace, serviceAccount: this.serviceAccountName });
    // A missing client ID is reported once per environment by synth (Platform.undeployedError).
    const clientId = platform.clientId(this.identityName);

    this.serviceAccountAnnotations = {
      ...(clientId === undefined ? {} : { [WORKLOAD_IDENTITY.clientIdAnnotation]: clientId }),
      [WORKLOAD_IDENTITY.tenantIdAnnotation]: platform.env.azure.tenantId,
    };
    if (props.createServiceAccount === false) return;
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: {
        name: this.serviceAccountName,
        namespace: this.namespace,
        labels: props.labels,
        annotations: this.serviceAccountAnnotations,
      },
      // The webhook projects its own token volume; the API token is not needed.
      automountServiceAccountToken: false,
    });
  }

  /**
   * Checks that this identity holds a grant on the location's container that permits
   * `access`, and returns the location for rendering.
   */
  use(location: LakeLocation, access: Access): UsedLocation {
    const container = location.container.name;
    const grant = this.platform.ledger.storageGrant(this.identityName, container);
    if (!grant) {
      const granted = this.platform.ledger.grantedContainers(this.identityName);
      throw new Error(
        `[${this.node.path}] location ${location.abfss()} is outside every container granted to identity ${this.identityName} ` +
          `(granted: ${granted.length ? granted.join(', ') : 'none'}); grant it with lake.container('${container}').${access === 'read' ? 'grantRead' : 'grantReadWrite'}(identity)`,
      );
    }
    if (!roleAllows(grant.role, access)) {
      throw new Error(
        `[${this.node.path}] identity ${this.identityName} needs write access to ${location.abfss()} but holds only ${grant.role} on container ${container}; use grantReadWrite`,
      );
    }
    return new UsedLocation(location, access, (url) =>
      this.platform.ledger.recordLocation(this.identityName, { url, container, access }),
    );
  }
}

function checkName(key: string, value: string): string {
  const result = rules.dnsLabel.safeParse(value);
  if (!result.success) throw new Error(`${key} (${JSON.stringify(value)}) ${result.error.issues[0].message}`);
  return value;
}
