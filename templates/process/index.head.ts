// {{namespace}}/{{name}}: {{description}}
// An atomic-plugin process plugin: a Node program the server starts and talks to over JSON-RPC,
// written with the Node helper. `npm run build` (`atomic-plugin build`) bundles it and what it
// imports into plugin.mjs; the API is in node_modules/atomic-plugin/sdk/node/README.md. Each hook
// is a handler: it gets the hook's input and returns its output.

import {
{{imports}}
} from 'atomic-plugin/sdk/node';

// The helper passes each handler its hook's input as parsed JSON; this gives it its type.
const hook = <T>(handler: (input: T) => unknown): Handler => (input) => handler(input as unknown as T);

/** Called after the plugin is started and after every config change. */
async function init(input: InitInput): Promise<void> {
  await log('info', `{{namespace}}/{{name}} ${input.plugin.version} ready`);
}
