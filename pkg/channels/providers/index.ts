import type { ProviderDefinition } from '../definition.ts';
import { alipayMiniprogram } from './alipay-miniprogram/definition.ts';
import { aliyunSms } from './aliyun-sms/definition.ts';
import { dingtalkRobot } from './dingtalk-robot/definition.ts';
import { dingtalkWork } from './dingtalk-work/definition.ts';
import { fcmPush } from './fcm/definition.ts';
import { feishuRobot } from './feishu-robot/definition.ts';
import { getuiPush } from './getui/definition.ts';
import { sandbox } from './sandbox/definition.ts';
import { smtp } from './smtp/definition.ts';
import { tencentSms } from './tencent-sms/definition.ts';
import { webhook } from './webhook/definition.ts';
import { wechatMiniprogram } from './wechat-miniprogram/definition.ts';
import { wechatOfficial } from './wechat-official/definition.ts';
import { wecomApp } from './wecom-app/definition.ts';
import { wecomRobot } from './wecom-robot/definition.ts';
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
  feishuRobot,
  wecomRobot,
  dingtalkRobot,
  dingtalkWork,
  getuiPush,
  fcmPush,
  alipayMiniprogram,
  wechatOfficial,
  wechatMiniprogram,
]);
