import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { STATES } from '../domain/states.ts';
import { CONFIG_DEFAULTS, CONFIG_VARIABLES } from './config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The rows of the README's "Configuration" table: the variables column and the default column. */
function configRows(): { vars: string[]; defaults: string }[] {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => {
      const [vars = '', defaults = ''] = l.split('|').slice(1);
      return { vars: [...vars.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!), defaults };
    });
}

describe('README', () => {
  test('the Configuration table lists every variable of the config schema, with its default', () => {
    const rows = configRows();
    const listed = rows.flatMap((r) => r.vars);
    assert.deepEqual(
      CONFIG_VARIABLES.filter((v) => !listed.includes(v)),
      [],
      'variables missing from the README Configuration table',
    );
    assert.deepEqual(
      listed.filter((v) => !CONFIG_VARIABLES.includes(v)),
      [],
      'README lists variables the config does not read',
    );
    for (const r of rows) {
      for (const v of r.vars) {
        const d = CONFIG_DEFAULTS[v];
        if (d !== undefined)
          assert.ok(r.defaults.includes(`\`${d}\``), `${v}: README default should show \`${d}\``);
      }
    }
  });

  test('pkg/DESIGN.md explains every lifecycle state', () => {
    const design = readFileSync(join(root, 'pkg/DESIGN.md'), 'utf8');
    const table = design.split(/^## Lifecycle states$/m)[1]?.split(/^## /m)[0] ?? '';
    assert.deepEqual(
      STATES.filter((s) => !table.includes(`\`${s}\``)),
      [],
      'states missing from the Lifecycle states table of pkg/DESIGN.md',
    );
  });

  test('stands on its own: every relative link of README.md and the design docs is a file of the repository', () => {
    const docs = ['README.md', 'pkg/DESIGN.md', 'pkg/channels/providers/PROVIDERS.md'];
    for (const doc of docs) {
      const text = readFileSync(join(root, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!) || target!.startsWith('#')) continue;
        const path = join(root, dirname(doc), target!.split('#')[0]!);
        assert.ok(
          relative(root, path) !== '' && !relative(root, path).startsWith('..') && existsSync(path),
          `${doc}: link ${target} is not a file of the repository`,
        );
      }
      assert.doesNotMatch(
        text,
        /\.\.\/shared\//,
        `${doc} names ../shared/, which users of the repository do not have`,
      );
    }
  });
});
