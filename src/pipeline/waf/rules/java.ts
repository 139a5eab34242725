/**
 * Value rules for Java (java): Log4j lookups, resolved the way Log4j resolves
 * them (nested lookups, `:-` defaults, case and date lookups) before looking for
 * a JNDI protocol; expression languages (EL, OGNL, SpEL); class-loader property
 * paths; serialized-object magic in its raw, base64, hex and gzip forms; and
 * fully qualified class names of the JDK's dangerous corners or of known gadget
 * libraries. A Log4j lookup matters in any field, a credential's included (it
 * reaches a logger). Each pattern is linear; the detectors are single scans.
 */
import type { TargetKind, ValueRule } from "../types";

// Every kind of value, and a credential's: the classes that matter whatever a field is named.
const WITH_SECRETS: readonly TargetKind[] = ["path", "query", "header", "cookie", "body", "name", "secret"];

// --- Log4j lookup grammar ---------------------------------------------------------------------

// Lookups whose value an attacker cannot know in advance (environment, system properties, the
// JVM, the context): used to exfiltrate inside a JNDI name, or to probe. Their `prefix:` inside
// `${ }` is Log4j syntax, nothing else writes it.
const DATA_LOOKUPS: ReadonlySet<string> = new Set(
  `env sys java ctx main jvmrunargs bundle k8s kubernetes docker spring web log4j marker map sd base64 event jndi ldap ldaps rmi dns iiop corba nds nis`.split(
    " ",
  ),
);
// Log4j's own lookups that only transform their argument: an obfuscation, not a value.
const CASE_LOOKUPS: ReadonlySet<string> = new Set(["lower", "upper"]);
// A resolved lookup naming a JNDI protocol: the call-out of Log4Shell.
const JNDI_NAME = /^\s{0,5}jndi\s{0,5}:|jndi\s{0,5}:\s{0,5}(?:ldaps?|rmi|dns|iiop|corba|nds|nis|https?)\s{0,5}:/;
// Deeper nesting than this is no template anyone writes: an obfuscation in itself.
const MAX_LOOKUP_DEPTH = 12;
// Log4j substitutes the result of a substitution again; a few rounds are all an obfuscation needs.
const MAX_ROUNDS = 3;

/** What one lookup's body (`prefix:key:-default`) resolves to, or `null` when it is an attack. */
function resolveLookup(body: string): string | null {
  const trimmed = body.trim();
  if (JNDI_NAME.test(trimmed)) return null;
  const colon = trimmed.indexOf(":");
  const prefix = colon < 0 ? "" : trimmed.slice(0, colon).trim();
  if (colon >= 0 && DATA_LOOKUPS.has(prefix) && trimmed.indexOf(":-") !== colon) return null;
  // `${anything:-x}` (`${::-j}`, `${env:NOPE:-j}`): the key resolves to nothing, the default stays.
  const fallback = trimmed.indexOf(":-");
  if (fallback >= 0) return trimmed.slice(fallback + 2);
  if (CASE_LOOKUPS.has(prefix)) return trimmed.slice(colon + 1);
  // `${date:'j'}`: a date format whose quoted literal prints as itself.
  if (prefix === "date") return trimmed.slice(colon + 1).replace(/'/g, "");
  // Anything else stays as written, as Log4j leaves a lookup it cannot resolve (`${ENV}`).
  return `\${${body}}`;
}

// Where a lookup opens or closes: text between two of them is copied as one slice.
const LOOKUP_MARK = /\$\{|\}/g;

/** One round of substitution; `null` when a lookup resolved to JNDI or a data lookup. */
function substitute(value: string): string | null {
  // The enclosing lookups' texts so far; `current` is the innermost one's (the value's at depth 0).
  const outer: string[] = [];
  let current = "";
  let from = 0;
  LOOKUP_MARK.lastIndex = 0;
  for (let m = LOOKUP_MARK.exec(value); m !== null; m = LOOKUP_MARK.exec(value)) {
    // A `}` outside every lookup is text like any other.
    if (m[0] === "}" && outer.length === 0) continue;
    current += value.slice(from, m.index);
    from = LOOKUP_MARK.lastIndex;
    if (m[0] === "}") {
      const resolved = resolveLookup(current);
      if (resolved === null) return null;
      current = (outer.pop() ?? "") + resolved;
    } else {
      if (outer.length >= MAX_LOOKUP_DEPTH) return null;
      outer.push(current);
      current = "";
    }
  }
  current += value.slice(from);
  // A lookup left open is still read (Log4j would not run it, but a logger further on may).
  while (outer.length > 0) {
    if (resolveLookup(current) === null) return null;
    current = `${outer.pop() ?? ""}\${${current}`;
  }
  return current;
}

/**
 * True when Log4j would turn `value` into a JNDI call or a data lookup, however
 * the lookup is spelled: `${${lower:j}ndi:…}`, `${${::-j}${::-n}di:…}`,
 * `${${env:X:-j}ndi…}`, `${${upper:j}${date:'n'}di:…}`.
 */
export function isLog4jLookup(value: string): boolean {
  let text = value;
  for (let round = 0; round < MAX_ROUNDS && text.includes("${"); round++) {
    const next = substitute(text);
    if (next === null) return true;
    if (next === text) return false;
    text = next;
  }
  return false;
}

// --- class names ------------------------------------------------------------------------------

// JDK classes that execute, load code or reach outside the process: a value naming one is a gadget.
const DANGEROUS_CLASSES: readonly string[] = [
  "java.lang.runtime",
  "java.lang.process",
  "java.lang.processbuilder",
  "java.lang.processimpl",
  "java.lang.processhandle",
  "java.lang.unixprocess",
  "java.lang.system",
  "java.lang.classloader",
  "java.lang.class",
  "java.lang.thread",
];
// Packages of which any class is out of place in form data: I/O, networking, reflection,
// naming, scripting, serialization, and the libraries whose classes form gadget chains.
const DANGEROUS_PACKAGES: readonly string[] = [
  "java.lang.reflect",
  "java.lang.invoke",
  "java.io",
  "java.net",
  "java.nio",
  "java.rmi",
  "java.beans",
  "java.util.prefs",
  "javax.script",
  "javax.naming",
  "javax.management",
  "javax.xml.transform",
  "javax.el",
  "javax.sql.rowset",
  "jdk",
  "sun",
  "com.sun",
  "org.apache.commons.collections",
  "org.apache.commons.collections4",
  "org.apache.commons.beanutils",
  "org.apache.commons.configuration",
  "org.apache.commons.fileupload",
  "org.apache.xalan",
  "org.apache.bcel",
  "org.apache.xbean",
  "org.apache.myfaces",
  "org.apache.wicket",
  "org.apache.click",
  "org.apache.naming",
  "org.apache.struts",
  "org.apache.struts2",
  "org.apache.catalina",
  "org.apache.tomcat",
  "org.apache.velocity",
  "org.apache.log4j",
  "org.apache.logging.log4j.core",
  "org.springframework.expression",
  "org.springframework.jndi",
  "org.springframework.beans",
  "org.springframework.context",
  "org.springframework.aop",
  "org.springframework.transaction",
  "org.springframework.cglib",
  "org.hibernate",
  "org.jboss",
  "org.codehaus.groovy",
  "groovy.lang",
  "groovy.util",
  "org.python",
  "org.mozilla.javascript",
  "bsh",
  "clojure",
  "com.mchange",
  "com.alibaba.fastjson",
  "com.fasterxml.jackson.databind",
  "org.yaml.snakeyaml",
  "com.opensymphony",
  "ognl",
  "freemarker.template",
  "javassist",
  "net.sf.json",
  "org.omg",
  "ch.qos.logback",
  "com.thoughtworks.xstream",
  "com.caucho",
];
// Class names of gadget chains: no word of prose, whatever comes before them.
const GADGET_NAMES: ReadonlySet<string> = new Set(
  `processbuilder scriptenginemanager urlclassloader invokertransformer chainedtransformer constanttransformer instantiatetransformer instantiatefactory clonetransformer forclosure whileclosure prototypeclonefactory prototypeserializationfactory lazymap transformedmap templatesimpl jdbcrowsetimpl annotationinvocationhandler badattributevalueexpexception jndirefconnectionpooldatasource wrapperconnectionpooldatasource comboPooledDataSource`
    .toLowerCase()
    .split(" "),
);
// What every value namesJavaGadget accepts holds (a necessary condition, rule 1202's gate): a
// dotted name starts after no word character (a dot may stand before it: `..java.lang.runtime`)
// with the first segment of a dangerous class or package, or a gadget's name stands between
// non-word characters (a segment of a dotted name). Words that only contain one (`implementation`,
// `handlers`) do not pass: prose is full of them.
const CLASS_GATE = new RegExp(
  `(?:^|[^\\w$])(?:(?:java|javax|jdk|sun|com|org|groovy|bsh|clojure|ognl|freemarker|javassist|net|ch)\\.|(?:${[...GADGET_NAMES].join("|")})(?![\\w$]))`,
);
// A dotted name (`java.lang.runtime`); what follows decides whether it is a stack frame.
const DOTTED = /[a-z_$][\w$.]{2,400}/g;
// `name(File.java:12)`, `(Native Method)`, `(Unknown Source)`: a stack frame quoted in a note.
const STACK_FRAME = /^\(\s{0,3}(?:[\w$]{1,80}\.(?:java|kt|scala|groovy):\d{1,7}|native method|unknown source)\s{0,3}\)/;
// `group.id:artifact` is a dependency coordinate (a scanner's finding), not a class.
const COORDINATE = /^:[a-z]/;

const startsWithin = (name: string, prefix: string): boolean => name === prefix || name.startsWith(`${prefix}.`);

/** True when the dotted name is a dangerous JDK class or a class of a gadget package. */
function isDangerousClassName(name: string): boolean {
  const segments = name.split(".");
  if (segments.some((s) => GADGET_NAMES.has(s))) return true;
  const last = segments[segments.length - 1] ?? "";
  // An exception or error type is what a log line or a stack trace names, never a gadget.
  if (last.endsWith("exception") || last.endsWith("error")) return false;
  if (DANGEROUS_CLASSES.some((c) => startsWithin(name, c))) return true;
  // A package alone is a topic; a class of it (one more segment) is a payload.
  return DANGEROUS_PACKAGES.some((p) => name.length > p.length + 1 && name.startsWith(`${p}.`));
}

/** True when `value` names a dangerous Java class outside a quoted stack frame or dependency coordinate. */
export function namesJavaGadget(value: string): boolean {
  // One scan for what any match needs, before a scan of every word.
  if (!CLASS_GATE.test(value)) return false;
  DOTTED.lastIndex = 0;
  for (let m = DOTTED.exec(value); m !== null; m = DOTTED.exec(value)) {
    // Most words of prose: without a dot only a gadget's own name can count (a set lookup, before any other work).
    if (!m[0].includes(".") && !GADGET_NAMES.has(m[0])) continue;
    const before = m.index === 0 ? "" : (value[m.index - 1] ?? "");
    // Part of a longer word (`my_java.lang…`) or a domain's tail: not a class name of its own.
    if (/[\w$]/.test(before)) continue;
    const name = m[0].replace(/\.{1,400}$/, "");
    const after = value.slice(DOTTED.lastIndex, DOTTED.lastIndex + 120);
    if (STACK_FRAME.test(after) || COORDINATE.test(after)) continue;
    if (isDangerousClassName(name)) return true;
  }
  return false;
}

// --- class-loader property paths --------------------------------------------------------------

// `class.module.classloader…`, `class['classloader']`, `x.getclassloader()`, `classloader.resources…`.
// No space after the dot: "…the class. Module owners…" is two sentences.
const CLASS_LOADER_PATH =
  /\bclass(?:\.|\[\s{0,3}['"]?)(?:module|classloader|protectiondomain|getclassloader)\b|classloader(?:\.|\[\s{0,3}['"]?)[a-z_]|getclassloader\s{0,3}\(/;

/** Patterns used inside `accept` and `detect` functions, for the ReDoS check. */
export const JAVA_PATTERNS: readonly RegExp[] = [JNDI_NAME, LOOKUP_MARK, CLASS_GATE, DOTTED, STACK_FRAME, COORDINATE];

export const javaRules: readonly ValueRule[] = [
  // Log4j lookup resolving to JNDI or a data lookup, however nested and obfuscated
  { id: 1201, needs: "{", group: "java", paranoia: 1, score: 5, on: WITH_SECRETS, detect: isLog4jLookup },
  // dangerous JDK class or class of a gadget library, by its qualified or gadget name
  { id: 1202, plain: true, group: "java", paranoia: 1, score: 5, detect: namesJavaGadget, plainGate: CLASS_GATE },
  // class name of a gadget chain after a runtime prefix
  {
    id: 1203,
    plain: true,
    needs: ".",
    group: "java",
    paranoia: 2,
    score: 5,
    pattern:
      /\bruntime\s{0,5}\.\s{0,5}(?:clonetransformer|forclosure|instantiatefactory|instantiatetransformer|invokertransformer|prototypeclonefactory|prototypeserializationfactory|whileclosure|exec|getruntime)/,
  },
  // Java serialized object: the stream magic raw (0xACED 0x0005 as bytes, or with the replacement
  // characters a UTF-8 decoder or the normaliser makes of them), in base64 (`rO0AB`), in hex, or gzip in base64
  {
    id: 1204,
    plain: true,
    group: "java",
    paranoia: 1,
    score: 5,
    // The serialization stream magic is binary by definition: control characters are the point.
    // eslint-disable-next-line no-control-regex
    pattern: /[\xac\ufffd][\xed\ufffd][\x00\ufffd]?\x05[\x70-\x7e]|(?:^|[^a-z0-9+/])(?:ro0ab|h4sia)|(?:^|[^0-9a-f])aced0005/,
  },
  // Spring/OGNL/EL expression evaluation
  {
    id: 1205,
    plain: true,
    group: "java",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:#(?:_memberaccess|context|request|response|session|application|parameters|attr|this|root)\b|@(?:java|javax|ognl|org|com|sun|jdk)\.[a-z_.]{1,100}@|new\s{1,5}(?:java|javax|org|com|sun|jdk)\.[a-z_]|\.(?:getdeclaredmethod|getdeclaredfield|getdeclaredconstructor|newinstance|loadclass|defineclass)\s{0,5}\(|\.forname\s{0,5}\(|\bt\s{0,5}\(\s{0,5}(?:java|javax|org|com|sun|jdk)\.|%\{\s{0,5}(?:\(\s{0,5})?[#@]|\(\s{0,5}#[a-z_]\w{0,30}\s{0,5}=|#\{\s{0,5}['"]?[a-z]|\$\{\s{0,5}(?:\d|'|"|[a-z]{1,30}\s{0,5}\()|xwork\.|\bognl\.[a-z]|ognl(?:context|util|runtime|valuestack))/,
  },
  // class-loader property path (Spring4Shell, Struts class.classLoader)
  { id: 1207, plain: true, needs: ".[(", group: "java", paranoia: 1, score: 5, pattern: CLASS_LOADER_PATH },
];
