import type { Delivery } from '../domain/delivery.ts';
import type { Template } from '../domain/template.ts';
import { defaultLiveConfig, type LiveConfig } from '../pipeline/live-config-schema.ts';
import type { StepInput } from '../pipeline/types.ts';

/**
 * A step input with sensible test values (sandbox notice to `ann@x.com`, template 1 on account
 * 1, no shield, default config); override any part. For tests and benchmarks.
 *
 * @example stepInput({ delivery: { receiver: 'bob@x.com' }, config: { discardTemplateIds: [1] } })
 */
export function stepInput(
  over: {
    delivery?: Partial<Delivery>;
    template?: Partial<Template>;
    config?: Partial<LiveConfig>;
    rendered?: unknown;
    now?: number;
  } = {},
): StepInput {
  const delivery: Delivery = {
    id: 'M1',
    requestId: 'R1',
    templateId: 1,
    channel: 'sandbox',
    messageType: 'notice',
    receiver: 'ann@x.com',
    variables: {},
    bizId: '',
    attempt: 1,
    traceparent: '',
    acceptedAt: 0,
    ...over.delivery,
  };
  const template: Template = {
    id: delivery.templateId,
    name: 't',
    channel: delivery.channel,
    messageType: delivery.messageType,
    accountId: 1,
    content: { text: 'hi' },
    status: 'active',
    shield: 'none',
    timezone: null,
    appId: 1,
    sharedWithApps: [],
    version: 1,
    sensitive: 'none',
    updatedAt: 0,
    ...over.template,
  };
  return {
    delivery,
    template,
    rendered: over.rendered ?? { text: 'hi' },
    now: over.now ?? Date.UTC(2026, 0, 1, 4, 0), // 12:00 in Asia/Shanghai: outside quiet hours
    config: { ...defaultLiveConfig(), ...over.config },
  };
}
