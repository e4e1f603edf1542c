import { App } from 'cdk8s';
import { PlatformChart } from '../lib/chart';
import { workloadNamespaces } from '../lib/namespaces';
import type { Platform } from '../lib/platform';
import { syncWaves } from '../lib/sync-waves';
import { WARPSTREAM_PORTS, WarpstreamAgent } from './agent';
import { WarpstreamSettings } from './settings';

/** Key Vault secret names the WarpStream pools read; operators set them (see README). */
export const warpstreamKeyVaultSecrets = {
  agent: { agentKey: 'warpstream-agent-key', virtualClusterId: 'warpstream-virtual-cluster-id' },
  schemaRegistry: { agentKey: 'warpstream-schema-registry-agent-key', virtualClusterId: 'warpstream-schema-registry-virtual-cluster-id' },
} as const;

/**
 * WarpStream, the platform's Kafka: the agent pool and the BYOC Schema Registry pool,
 * each with its own identity on the `warpstream` container.
 */
export class WarpstreamChart extends PlatformChart {
  readonly agent: WarpstreamAgent;
  readonly schemaRegistry?: WarpstreamAgent;
  private readonly settings: WarpstreamSettings;

  constructor(scope: App, platform: Platform, settings: WarpstreamSettings) {
    super(scope, platform, { component: 'warpstream', syncWave: syncWaves.workloads });
    this.settings = settings;
    platform.registryImage('warpstream.image', settings.image, 'import');
    const namespace = workloadNamespaces.warpstream;
    const clientNamespaces = Object.values(workloadNamespaces);
    const common = {
      namespace,
      image: settings.image,
      region: settings.region,
      gracefulShutdownSeconds: settings.gracefulShutdownSeconds,
      clientNamespaces,
    };
    this.agent = new WarpstreamAgent(this, 'agent', platform, {
      ...common,
      ...settings.agent,
      name: 'warpstream-agent',
      role: 'agent',
      keyVaultSecrets: warpstreamKeyVaultSecrets.agent,
    });
    if (settings.schemaRegistry.enabled) {
      this.schemaRegistry = new WarpstreamAgent(this, 'schema-registry', platform, {
        ...common,
        ...settings.schemaRegistry,
        name: 'warpstream-schema-registry',
        role: 'schema-registry',
        keyVaultSecrets: warpstreamKeyVaultSecrets.schemaRegistry,
      });
    }
  }

  /** The topics the environment declares (components.warpstream.topics), created ahead of their readers. */
  get topics(): readonly { readonly name: string; readonly partitions: number }[] {
    return this.settings.topics;
  }

  /** Kafka bootstrap address for clients in other namespaces. */
  get bootstrapServers(): string {
    return `${this.agent.serviceName}.${workloadNamespaces.warpstream}.svc:${WARPSTREAM_PORTS.kafka}`;
  }

  /** Schema Registry URL, when the pool is enabled. */
  get schemaRegistryUrl(): string | undefined {
    return this.schemaRegistry && `http://${this.schemaRegistry.serviceName}.${workloadNamespaces.warpstream}.svc:${WARPSTREAM_PORTS.schemaRegistry}`;
  }
}
