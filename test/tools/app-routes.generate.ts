/** `npm run routes:generate`: writes src/app.routes.ts (see app-routes.ts). */
import "../bench/ts-resolve.ts";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { moduleRoutes, renderModuleRoutes, type ListedModule } from "./app-routes.ts";

const { MODULES } = (await import(new URL("../../src/app.modules.ts", import.meta.url).href)) as { MODULES: readonly ListedModule[] };
const target = fileURLToPath(new URL("../../src/app.routes.ts", import.meta.url));
writeFileSync(target, renderModuleRoutes(await moduleRoutes(MODULES)));
console.log(`wrote ${target}`);
