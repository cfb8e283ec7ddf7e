/**
 * The layers of the code and what may import what (docs/architecture.md draws the same).
 * A layer may import the layers below it, never one above it nor a sibling on its own level.
 * Type-only imports count: a type is a dependency too. `npm run lint` checks this.
 */
const LAYERS = [
  ['entries', '^src/(main|api|worker)[.]ts$'],
  ['app', '^src/app/'],
  ['activities', '^activities/'],
  ['channels', '^src/channels/'],
  ['realtime', '^src/realtime/'],
  ['temporal', '^src/temporal/'],
  ['modules', '^src/modules/'],
  ['lifecycle', '^src/lifecycle/'],
  ['contracts', '^src/contracts/'],
  ['routing', '^src/routing/'],
  ['http', '^src/http/'],
  ['db', '^src/db/'],
  ['model', '^src/model/'],
  ['llm', '^src/llm/'],
  ['observability', '^src/observability/'],
  ['limits', '^src/limits/'],
  ['health', '^src/health/'],
  ['auth', '^src/auth/'],
  ['lib', '^src/(lib/|logger[.]ts$|errors[.]ts$)'],
  ['workflows', '^workflows/'],
];

/** Layers that stand side by side on one level: neither imports the other. */
const LEVELS = [
  ['entries'],
  ['app'],
  ['activities'],
  ['channels', 'realtime', 'temporal'],
  ['modules'],
  ['lifecycle'],
  ['contracts'],
  ['routing'],
  ['http'],
  ['db'],
  ['model', 'llm'],
  ['observability', 'limits', 'health', 'auth'],
  ['lib', 'workflows'],
];

/** @param {string} layer */
const levelOf = (layer) => LEVELS.findIndex((level) => level.includes(layer));

const layerRules = LAYERS.flatMap(([layer, path]) => {
  const higherOrBeside = LAYERS.filter(([other]) => other !== layer && levelOf(other) <= levelOf(layer)).map(
    ([, otherPath]) => otherPath,
  );
  return higherOrBeside.length === 0
    ? []
    : [
        {
          name: `layer-${layer}`,
          comment: `${layer} imports only the layers below it (docs/architecture.md)`,
          severity: 'error',
          from: { path },
          to: { path: higherOrBeside },
        },
      ];
});

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, between files or through others',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'A file nothing imports is dead code (entry points and migrations aside)',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '[.]d[.]ts$',
          '^src/(main|api|worker)[.]ts$',
          '^workflows/(index|flow-metrics[.]interceptors)[.]ts$',
          '^src/widget/index[.]ts$',
        ],
      },
      to: {},
    },
    {
      name: 'workflow-code-is-deterministic',
      comment: 'Workflow files import only @temporalio/workflow and each other (the bundle runs in a sandbox)',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { pathNot: ['^workflows/', '@temporalio/workflow'] },
    },
    {
      name: 'workflows-only-through-their-contract',
      comment:
        'Outside workflows/, only the contract (and the metrics sink type) is imported; the workflow itself reaches the worker as a bundle',
      severity: 'error',
      from: { pathNot: '^workflows/' },
      to: { path: '^workflows/', pathNot: '^workflows/(contracts|flow-metrics[.]interceptors)[.]ts$' },
    },
    {
      name: 'widget-is-browser-code',
      comment:
        'The browser widget (not a server layer) bundles only itself and socket.io-client, and takes the protocol’s types from src/contracts (build.ts, which bundles it, is the server side)',
      severity: 'error',
      from: { path: '^src/widget/', pathNot: '^src/widget/build[.]ts$' },
      to: {
        pathNot: [
          '^src/widget/',
          '^src/contracts/',
          'node_modules/(socket[.]io-client|engine[.]io-client|@socket[.]io|socket[.]io-parser|engine[.]io-parser)/',
        ],
      },
    },
    {
      name: 'widget-takes-only-types-from-the-server',
      comment: 'The contracts reach the browser bundle as types only: no server code (nor zod) in widget.js',
      severity: 'error',
      from: { path: '^src/widget/' },
      to: { path: '^src/contracts/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-build-reaches-the-widget',
      comment: 'Server code reaches the widget only through its build (the browser files never run in Node)',
      severity: 'error',
      from: { pathNot: '^src/widget/' },
      to: { path: '^src/widget/', pathNot: '^src/widget/build[.]ts$' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
