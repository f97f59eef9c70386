// Types of the files a plugin embeds at build time (`atomic-plugin build`, cli/lib/embed.ts):
// text files are imported as their content, `?browser` entries as their browser bundle.

/** An HTML page, as text. */
declare module '*.html' {
  const text: string;
  export default text;
}

declare module '*.htm' {
  const text: string;
  export default text;
}

/** A stylesheet, as text. */
declare module '*.css' {
  const text: string;
  export default text;
}

declare module '*.svg' {
  const text: string;
  export default text;
}

declare module '*.txt' {
  const text: string;
  export default text;
}

declare module '*.md' {
  const text: string;
  export default text;
}

/** `import app from './browser/main.ts?browser'`: that entry bundled for browsers, as one script's text. */
declare module '*?browser' {
  const script: string;
  export default script;
}
