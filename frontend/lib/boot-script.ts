// The one inline script: it runs in <head> before the app's scripts, allowed by its hash in proxy.ts's CSP.
import { THEME_SCRIPT } from "./theme";

// zod (inside the AI SDK) otherwise probes for `new Function("")` to compile faster parsers: the CSP refuses it,
// harmlessly but with a violation report on every page. Its `jitless` option skips the probe.
const ZOD_JITLESS = "globalThis.__zod_globalConfig=Object.assign(globalThis.__zod_globalConfig||{},{jitless:true});";

export const BOOT_SCRIPT = ZOD_JITLESS + THEME_SCRIPT;
