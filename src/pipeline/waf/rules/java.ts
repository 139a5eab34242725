/**
 * Value rules for Java (java): Log4j lookups (nested and obfuscated), expression
 * languages (EL, OGNL, SpEL), class-loader property paths, serialized-object
 * magic and gadget class names. A Log4j lookup matters in any field, a
 * credential's included (it reaches a logger). Each pattern is linear.
 */
import type { TargetKind, ValueRule } from "../types";

// Every kind of value, and a credential's: the classes that matter whatever a field is named.
const WITH_SECRETS: readonly TargetKind[] = ["path", "query", "header", "cookie", "body", "name", "secret"];
// Inside `${ }`: a Log4j lookup prefix, or a nested lookup.
const LOOKUP =
  /(?:jndi|ldap|rmi|dns|iiop|corba|nds|nis|env|sys|java|lower|upper|date|main|ctx|base64|k8s|docker|spring|bundle|marker|map|sd|log4j|web|\$\{)[^}:]{0,10}:/;

/** Patterns used inside `accept` and `detect` functions, for the ReDoS check. */
export const JAVA_PATTERNS: readonly RegExp[] = [LOOKUP];

export const javaRules: readonly ValueRule[] = [
  // Log4j/JNDI lookup
  {
    id: 1201,
    needs: "{",
    group: "java",
    paranoia: 1,
    score: 5,
    on: WITH_SECRETS,
    accept: (t) => LOOKUP.test(t),
    pattern: /\$\{([^}]{0,80})/g,
  },
  // Java class used by exploit chains
  {
    id: 1202,
    plain: true,
    group: "java",
    paranoia: 1,
    score: 5,
    pattern:
      /\b(?:java\.lang\.(?:runtime|processbuilder|system|class|thread|reflect)|processbuilder|runtime\s{0,5}\.\s{0,5}getruntime|javax\.script|javax\.naming|java\.io\.(?:file|objectinputstream)|java\.net\.(?:url|socket)|java\.beans|org\.apache\.(?:commons\.collections|xalan|bcel)|com\.sun\.(?:rowset|org\.apache)|jdk\.jshell|clonetransformer|forclosure|instantiatefactory|instantiatetransformer|invokertransformer|prototypeclonefactory|prototypeserializationfactory|whileclosure|chainedtransformer|constanttransformer|lazymap|templatesimpl|jdbcrowsetimpl|\.getclass\(\)|classloader|getruntime|\.exec\s{0,5}\()/,
  },
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
  // Java serialized object magic (raw or base64)
  {
    id: 1204,
    plain: true,
    group: "java",
    paranoia: 1,
    score: 5,
    // The serialization stream magic is binary by definition: control characters are the point.
    // eslint-disable-next-line no-control-regex
    pattern: /(?:\xac\xed\x00\x05|^ro0ab|^aced0005|h4sia)/,
  },
  // Spring/OGNL/EL expression evaluation
  {
    id: 1205,
    plain: true,
    group: "java",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:#(?:_memberaccess|context|request|response|session|application|parameters|attr|this|root)\b|@java\.lang|new\s{1,5}java\.|class\.module\.classloader|class\.classloader|\.getdeclaredmethod|\.forname\s{0,5}\(|t\(java\.|#\{\s{0,5}['"]?[a-z]|\$\{\s{0,5}(?:\d|'|"|[a-z]{1,30}\s{0,5}\()|xwork\.|ognl)/,
  },
];
