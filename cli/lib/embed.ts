// Files a plugin embeds in its bundle at build time, for plugins that serve a web page or keep
// templates: `import page from './index.html'` gives the file's text (text loaders), and
// `import app from './browser/main.ts?browser'` gives the browser bundle of that entry (every
// import it makes, npm packages included, as one minified script) as a string. Both work in js
// and process plugins alike; the sandbox has no file system to read them from at run time.

import { dirname, isAbsolute, resolve } from 'node:path';
import { build, type BuildOptions, type BuildResult, type Loader, type Plugin } from 'esbuild';
import { isBuildFailure } from './esbuild-errors.js';

/** File types imported as their text: the default export is the file's content as a string. */
export const textLoaders: Record<string, Loader> = {
  '.html': 'text',
  '.htm': 'text',
  '.css': 'text',
  '.svg': 'text',
  '.txt': 'text',
  '.md': 'text',
};

/** The suffix that asks for a browser bundle of the imported entry, as text. */
const BROWSER_SUFFIX = '?browser';

/**
 * How a browser entry is bundled (here, and the dashboard in cli/build-dashboard.ts): one script
 * that runs by itself in a page (`<script src>`), for the browsers of the last few years, minified
 * since it is served as it is.
 */
export const browserBuildOptions = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  charset: 'utf8',
  loader: textLoaders,
} as const satisfies BuildOptions;

const NAMESPACE = 'atomic-plugin-browser';

/** A browser bundle and the files it was made from (absolute paths). */
export interface BrowserBundle {
  code: string;
  inputs: string[];
}

/** Bundles the browser entry at `path` (absolute) into one script; esbuild's failures are thrown as they are. */
export async function bundleForBrowser(path: string): Promise<BrowserBundle> {
  const result: BuildResult<{ metafile: true; write: false }> = await build({ ...browserBuildOptions, entryPoints: [path], absWorkingDir: dirname(path), write: false, metafile: true, logLevel: 'silent' });
  return { code: result.outputFiles[0]?.text ?? '', inputs: Object.keys(result.metafile.inputs).map((input) => resolve(dirname(path), input)) };
}

/**
 * The esbuild plugin that turns `import code from './entry.ts?browser'` into the browser bundle
 * of that entry. Every file a browser bundle reads is added to `read` (absolute paths), so that a
 * cached build of the plugin notices when one of them changes.
 */
export function embedPlugin(read: Set<string>): Plugin {
  return {
    name: 'atomic-plugin-embed',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /\?browser$/ }, (args) => {
        const spec = args.path.slice(0, -BROWSER_SUFFIX.length);
        return { path: isAbsolute(spec) ? spec : resolve(args.resolveDir, spec), namespace: NAMESPACE };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: NAMESPACE }, async (args) => {
        let bundle: BrowserBundle;
        try {
          bundle = await bundleForBrowser(args.path);
        } catch (error) {
          // The browser code's own errors, at their file:line, as the plugin's build reports its.
          if (isBuildFailure(error)) return { errors: error.errors };
          throw error;
        }
        for (const input of bundle.inputs) read.add(input);
        return { contents: bundle.code, loader: 'text', watchFiles: bundle.inputs };
      });
    },
  };
}

/** Whether a metafile input is a file on disk (not one of the plugin's virtual browser modules). */
export function isFileInput(input: string): boolean {
  return !input.startsWith(`${NAMESPACE}:`);
}
