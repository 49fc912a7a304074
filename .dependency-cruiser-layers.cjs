// Folder-level import cycles (pkg/api ↔ pkg/store and the like) over production code only, run by
// `npm run lint` after .dependency-cruiser.cjs. Tests and the test kit are left out: they may
// reach across layers (a pkg/redis test uses pkg/testkit, which uses pkg/redis).
const base = require('./.dependency-cruiser.cjs');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular-folders',
      severity: 'error',
      comment:
        'Two folders import each other, directly or around a loop. Packages form layers: move the shared part down.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    ...base.options,
    exclude: { path: ['node_modules', ...base.TEST_CODE] },
  },
};
