import type { Channel } from '../domain/channels.ts';
import { isReceiverOfKinds, type ReceiverKind } from '../domain/receivers.ts';
import type { ProviderDefinition } from './definition.ts';
import { PROVIDERS } from './providers/index.ts';
import { jsonSchemaOf, type SecretPath, secretPaths } from './secret.ts';

/** One entry of `GET /v1/admin/providers` (DESIGN.md "Channel providers"). */
export type ProviderListing = Readonly<{
  channel: Channel;
  provider: string;
  title: string;
  receivers: readonly ReceiverKind[];
  configSchema: Record<string, unknown>;
  contentSchema: Record<string, unknown>;
  capabilities: Readonly<{ batch?: number; recall: boolean; receipts: boolean; testConnection: boolean }>;
}>;

/**
 * Lookups derived from a provider list: find a provider (safe for any string, `__proto__`
 * included), the receiver kinds of a channel, the secret paths of a provider's config, the
 * listing for forms. Built once per list; the platform's is {@link catalog}.
 *
 * @example
 * const c = createCatalog(PROVIDERS);
 * c.find('email', 'smtp')?.title // 'Email (SMTP)'
 * c.isValidReceiver('email', 'a@x.com') // true
 */
export function createCatalog(list: readonly ProviderDefinition[]) {
  const byKey = new Map<string, ProviderDefinition>();
  const kinds = new Map<Channel, Set<ReceiverKind>>();
  const secrets = new Map<ProviderDefinition, SecretPath[]>();
  for (const d of list) {
    const key = `${d.channel}/${d.provider}`;
    if (byKey.has(key)) throw new Error(`provider ${key} is listed twice`);
    byKey.set(key, d);
    const k = kinds.get(d.channel) ?? new Set<ReceiverKind>();
    for (const r of d.receivers) k.add(r);
    kinds.set(d.channel, k);
    secrets.set(d, secretPaths(d.config));
  }
  // Facts of each channel, derived once from its providers (ingest and handlers ask per request).
  const byChannel = new Map<
    string,
    { routedContent: ProviderDefinition['content'] | undefined; postsToGroup: boolean; batch: number }
  >();
  for (const channel of new Set(list.map((d) => d.channel))) {
    const defs = list.filter((d) => d.channel === channel);
    const first = defs[0]!.content;
    byChannel.set(channel, {
      routedContent: defs.length > 1 && defs.every((d) => d.content === first) ? first : undefined,
      postsToGroup: defs.every((d) => d.groupPost === true),
      batch: Math.max(1, ...defs.map((d) => d.capabilities.batch ?? 1)),
    });
  }
  const listing: readonly ProviderListing[] = Object.freeze(
    list.map((d) =>
      Object.freeze({
        channel: d.channel,
        provider: d.provider,
        title: d.title,
        receivers: d.receivers,
        configSchema: jsonSchemaOf(d.config),
        contentSchema: jsonSchemaOf(d.content),
        capabilities: {
          ...(d.capabilities.batch ? { batch: d.capabilities.batch } : {}),
          recall: Boolean(d.capabilities.recall),
          receipts: Boolean(d.capabilities.receipts),
          testConnection: Boolean(d.capabilities.testConnection),
        },
      }),
    ),
  );

  return Object.freeze({
    list,
    /** The provider of `channel`/`provider`, or undefined (any string is safe to pass). */
    find: (channel: string, provider: string): ProviderDefinition | undefined =>
      byKey.get(`${channel}/${provider}`),
    /** Provider names of a channel (for error messages and forms). */
    providersOf: (channel: string): string[] =>
      list.filter((d) => d.channel === channel).map((d) => d.provider),
    /** Receiver kinds a channel's providers send to (empty: the channel has no provider yet). */
    receiverKinds: (channel: Channel): readonly ReceiverKind[] => [...(kinds.get(channel) ?? [])],
    /** Whether `receiver` is a valid id for `channel`. */
    isValidReceiver: (channel: Channel, receiver: unknown): receiver is string =>
      isReceiverOfKinds([...(kinds.get(channel) ?? [])], receiver),
    /**
     * The content schema of a channel whose providers all share one (SMS): a template of such a
     * channel may leave its account out and be routed over several providers. Undefined for
     * channels whose providers read different contents.
     */
    routedContent: (channel: string): ProviderDefinition['content'] | undefined =>
      byChannel.get(channel)?.routedContent,
    /** Whether a channel's providers are group robots: one post per message (`groupPost`). */
    postsToGroup: (channel: string): boolean => byChannel.get(channel)?.postsToGroup ?? false,
    /** The largest batch among a channel's providers (1: none sends batches). */
    batchOf: (channel: string): number => byChannel.get(channel)?.batch ?? 1,
    /** The config paths marked secret in a provider's schema. */
    secretPaths: (d: ProviderDefinition): readonly SecretPath[] => secrets.get(d) ?? secretPaths(d.config),
    /** What `GET /v1/admin/providers` lists. */
    listing: (): readonly ProviderListing[] => listing,
  });
}

export type Catalog = ReturnType<typeof createCatalog>;

/** The platform's providers (pkg/channels/providers/index.ts). */
export const catalog: Catalog = createCatalog(PROVIDERS);
