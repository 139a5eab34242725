/** CORS for the browser app: configured origins, credentials, real methods in preflights. */
export { cors } from "./cors";
