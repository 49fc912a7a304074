import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Catalog } from '../../channels/catalog.ts';
import { CHANNELS } from '../../domain/channels.ts';
import { BEARER, errorResponses, json, TAGS } from '../openapi.ts';

const jsonSchema = z.record(z.string(), z.unknown()).openapi({ description: 'A JSON Schema' });

const providerListing = z
  .object({
    channel: z.enum(CHANNELS),
    provider: z.string(),
    title: z.string(),
    receivers: z
      .array(z.string())
      .readonly()
      .openapi({ description: 'Receiver kinds (email, phone, url, …)' }),
    configSchema: jsonSchema.openapi({ description: 'Account config; secret fields are `writeOnly`' }),
    contentSchema: jsonSchema.openapi({ description: 'Template content' }),
    capabilities: z.object({
      batch: z.number().int().optional().openapi({ description: 'Receivers per provider call' }),
      recall: z.boolean(),
      receipts: z.boolean(),
      testConnection: z.boolean(),
    }),
  })
  .openapi('Provider');

const listRoute = createRoute({
  method: 'get',
  path: '/',
  tags: [TAGS.accounts],
  summary: 'List providers',
  description:
    'Every provider with the JSON Schema of its account config and template content, and what ' +
    'it can do. An account or template naming a provider not listed is refused with 422.',
  security: BEARER,
  responses: {
    200: json(
      z.object({ items: z.array(providerListing), total: z.number().int() }).openapi('ProviderList'),
      'The providers',
    ),
    ...errorResponses({ 401: 'Missing or invalid admin token' }),
  },
});

/**
 * `GET /v1/admin/providers`: every provider with the JSON Schema of its config (secret fields
 * `writeOnly`) and content, and its capabilities — what forms and the console are built from.
 *
 * @example admin.route('/providers', providerRoutes({ catalog }));
 */
export function providerRoutes(deps: { catalog: Catalog }): OpenAPIHono {
  const items = deps.catalog.listing();
  return new OpenAPIHono().openapi(listRoute, (c) => c.json({ items: [...items], total: items.length }, 200));
}
