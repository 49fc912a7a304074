// Import rules checked by `npm run lint` (dependency-cruiser), over every file, tests included:
// no import cycle between files, the test kit and services/ stay out of production code.
// Cycles between folders are checked by .dependency-cruiser-layers.cjs, over production code only
// (a test in pkg/redis may use pkg/testkit, which uses pkg/redis).
// Type-only imports count: a cycle of types is still a tangle to a reader.
// Test-only code: test files, the test kit, end-to-end tests, and each provider folder's fake
// server and fixtures (pkg/channels/providers/<name>/fake.ts, fake-<part>.ts, fixtures.ts: the issue keeps a
// provider's fake beside it).
const TEST_CODE = [
  '\\.test\\.ts$',
  '^pkg/testkit/',
  '^services/e2e/',
  '^services/chaos/',
  '^pkg/channels/providers/[^/]+/(fake|fake-[a-z]+|fixtures)\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A file reaches itself through its imports. Move the shared part to the lower package.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-testkit-in-production',
      severity: 'error',
      comment: 'pkg/testkit is for tests only (DESIGN.md): production code must not import it.',
      from: { path: '^(pkg|services)/', pathNot: TEST_CODE },
      to: { path: '^pkg/testkit/' },
    },
    {
      name: 'no-provider-fakes-in-production',
      severity: 'error',
      comment: "A provider's fake server and fixtures are for tests only.",
      from: { path: '^(pkg|services)/', pathNot: TEST_CODE },
      to: { path: '^pkg/channels/providers/[^/]+/(fake|fake-[a-z]+|fixtures)\\.ts$' },
    },
    {
      name: 'no-services-in-pkg',
      severity: 'error',
      comment: 'pkg/ is the library; services/ wires it into processes. Only tests may reach up.',
      from: { path: '^pkg/', pathNot: TEST_CODE },
      to: { path: '^services/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
// For .dependency-cruiser-layers.cjs; not enumerable, so the config stays valid for depcruise.
Object.defineProperty(module.exports, 'TEST_CODE', { value: TEST_CODE, enumerable: false });
