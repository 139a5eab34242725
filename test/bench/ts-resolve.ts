/**
 * Lets Node (type stripping) import the worker's source, whose relative imports
 * omit the `.ts` extension as the bundler allows: a relative specifier that does
 * not resolve is retried with `.ts`, then as a folder's `index.ts`. Import this module before importing src/.
 */
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      // Only a relative, extensionless specifier is the bundler's convention; anything else is a real miss.
      if (!specifier.startsWith(".") || /\.[cm]?[jt]s$/.test(specifier)) throw error;
      try {
        return nextResolve(`${specifier}.ts`, context);
      } catch {
        // Not a file either: the specifier names a folder with an index module.
        return nextResolve(`${specifier}/index.ts`, context);
      }
    }
  },
});
