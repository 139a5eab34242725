/** Vite's `?raw` imports: a file's text (the jobs test reads wrangler.toml's crons). */
declare module "*?raw" {
  const text: string;
  export default text;
}
