import type { Delivery } from '../domain/delivery.ts';
import { newId } from '../domain/ids.ts';
import type { Template } from '../domain/template.ts';

/**
 * A delivery as a handler reads it from its stream: a fresh message id, attempt 1, nothing else
 * set; `over` sets what a test cares about.
 *
 * @example testDelivery({ channel: 'webhook', receiver: 'https://hooks.example.com/x', attempt: 2 })
 */
export function testDelivery(over: Partial<Delivery> = {}): Delivery {
  return {
    id: newId(),
    requestId: 'req-1',
    templateId: 1,
    channel: 'sandbox',
    messageType: 'notice',
    receiver: 'a@x.com',
    variables: {},
    bizId: '',
    attempt: 1,
    traceparent: '',
    acceptedAt: Date.now(),
    ...over,
  };
}

/**
 * An active template without quiet hours; `over` sets channel, content and the rest.
 *
 * @example testTemplate({ channel: 'email', content: { subject: 'Hi', text: 'Hello {$name}' } })
 */
export function testTemplate(over: Partial<Template> = {}): Template {
  return {
    id: 1,
    name: 'test',
    channel: 'sandbox',
    messageType: 'notice',
    accountId: 1,
    content: { text: 'Hello {$name}' },
    status: 'active',
    shield: 'none',
    timezone: null,
    appId: 1,
    sharedWithApps: [],
    version: 1,
    sensitive: 'none',
    updatedAt: 1,
    ...over,
  };
}
