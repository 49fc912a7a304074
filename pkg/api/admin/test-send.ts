import { OpenAPIHono } from '@hono/zod-openapi';
import type { SendService } from '../../ingest/send.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { idParam, jsonBody } from '../body.ts';
import { throwOnInvalid } from '../openapi.ts';
import { templateRoutesSpec as spec, testSendBody } from './templates-openapi.ts';

/**
 * `POST /templates/:id/test` (mount at `/v1/admin/templates`, behind the admin auth): one
 * message of the template to one receiver, through the whole send path, as the template's
 * owning app. Served by the process that has the send service, next to `/v1/send`.
 *
 * @example app.route('/v1/admin/templates', testSendRoutes({ service, log }));
 */
export function testSendRoutes(deps: { service: SendService; log: Logger }): OpenAPIHono {
  const r = new OpenAPIHono({ defaultHook: throwOnInvalid });
  r.openapi(spec.testSend, async (c) => {
    const id = idParam(c, 'template');
    const body = await jsonBody(c, testSendBody);
    const sent = await deps.service.testSend(id, body.receiver, body.variables);
    deps.log.info({ templateId: id, messageId: sent.messageIds[0] }, 'template test send');
    return c.json(sent, 202);
  });
  return r;
}
