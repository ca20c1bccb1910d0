// Which folder may import which (docs/architecture.md draws it). `make test` runs this check;
// a new import that breaks a rule fails CI with the rule's name and comment.
//
// Layers, lowest first; a layer imports only layers below it (and itself):
//   config → temporal → workflows → db → activities → workers, api → scripts → bench
// Across the layers, a process's public surface is its messages.ts, types.ts and rules/ (pure
// domain rules every layer may use); its workflow code is imported by the worker's bundle only,
// or type-only for a typed start.
const LAYERS = ['config', 'temporal', 'workflows', 'db', 'activities', 'workers|api', 'scripts', 'bench'];

const above = (i) => `^(${LAYERS.slice(i + 1).join('|')})/`;
const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.replace('|', '-')}`,
  comment: `${layer}/ sits below ${LAYERS.slice(i + 1).join(', ')}: it must not import them.`,
  severity: 'error',
  from: { path: `^(${layer})/` },
  to: {
    path: above(i),
    // Workflows know their activities' signatures (proxyActivities) but never run them; temporal/
    // names a workflow's signature for a typed Schedule. Workflow contracts are pure data, so config
    // and temporal/ may use them.
    ...(layer === 'workflows' || layer === 'temporal' ? { dependencyTypesNot: ['type-only'] } : {}),
    ...(layer === 'config' || layer === 'temporal' ? { pathNot: '^workflows/[^/]+/(rules/|types\\.ts$)' } : {}),
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files that import each other in a circle: give the shared part a module of its own.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'workflow-internals',
      comment:
        'Outside workflows/, import a process only through its messages.ts, types.ts and rules/ ' +
        '(type-only imports, e.g. a workflow signature for a typed start, are fine). ' +
        'The simulator’s bundle (its customer is a workflow starting the real ones) is workflow code too.',
      severity: 'error',
      from: { pathNot: '^(workflows/|scripts/simulate/(customer|workflows)\\.ts$)' },
      to: {
        path: '^workflows/',
        pathNot: '^workflows/[^/]+/(rules/|messages\\.ts$|types\\.ts$)',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'rules-are-pure',
      comment:
        'A rules/ file is pure domain logic every layer may import: it uses only other rules and ' +
        'its process’s types, no SDK, no I/O, no package.',
      severity: 'error',
      from: { path: '^workflows/[^/]+/rules/' },
      to: { pathNot: '^workflows/[^/]+/(rules/|types\\.ts$)' },
    },
    {
      name: 'no-test-code-in-production',
      comment: 'Test doubles and helpers live in test/; only benchmarks may borrow them.',
      severity: 'error',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(\\.venv|\\.data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
