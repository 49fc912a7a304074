import type { ProviderDefinition } from '../definition.ts';
import { aliyunSms } from './aliyun-sms/definition.ts';
import { sandbox } from './sandbox/definition.ts';
import { smtp } from './smtp/definition.ts';
import { tencentSms } from './tencent-sms/definition.ts';
import { webhook } from './webhook/definition.ts';
import { wecomApp } from './wecom-app/definition.ts';
import { yunpianSms } from './yunpian-sms/definition.ts';

/**
 * Every provider the platform has, listed explicitly (never self-registered). Adding a provider
 * is its folder plus one line here; validation on save, masking, the sender factory, callback
 * routes and `GET /v1/admin/providers` all derive from this list.
 */
export const PROVIDERS: readonly ProviderDefinition[] = Object.freeze([
  smtp,
  sandbox,
  webhook,
  wecomApp,
  tencentSms,
  aliyunSms,
  yunpianSms,
]);
