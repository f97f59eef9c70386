// {{namespace}}/{{name}}: {{description}}
// An atomic-plugin js plugin in TypeScript, against the Extism JS PDK API. `npm run build`
// (`atomic-plugin build`) bundles it with esbuild into plugin.js, which the host runs in a QuickJS
// sandbox; the API is in node_modules/atomic-plugin/sdk/js/README.md. Every hook is an exported
// function that reads its input, answers, and returns 0.

import {
{{imports}}
} from 'atomic-plugin/sdk/js';

/** Called after the plugin is loaded and after every config change. */
export function init(): number {
  const input = readInit();
  log('info', `{{namespace}}/{{name}} ${input.plugin.version} ready`);
  return 0;
}
