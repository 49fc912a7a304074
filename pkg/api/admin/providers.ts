import { Hono } from 'hono';
import type { Catalog } from '../../channels/catalog.ts';

/**
 * `GET /v1/admin/providers`: every provider with the JSON Schema of its config (secret fields
 * `writeOnly`) and content, and its capabilities — what forms and the console are built from.
 *
 * @example admin.route('/providers', providerRoutes({ catalog }));
 */
export function providerRoutes(deps: { catalog: Catalog }): Hono {
  const items = deps.catalog.listing();
  return new Hono().get('/', (c) => c.json({ items, total: items.length }));
}
