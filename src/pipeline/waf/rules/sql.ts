/**
 * Value rules for SQL injection (sqli): the grammar first (sql-grammar.ts reads
 * a value as SQL and looks for a break-out or a complete statement), NoSQL
 * operators where a document database reads them (a `$`-key), then the catalog
 * objects and fragments only SQL writes.
 */
import type { ValueRule } from "../types";
import { looksLikeSqlInjection, PLAIN_SQL } from "./sql-grammar";

// MongoDB query, update and aggregation operators: what a `$`-key makes of a field a
// driver matches (`{"password":{"$ne":null}}`). Not JSON Schema's `$schema`, `$id`,
// `$ref`, `$defs`, `$comment`: a schema document names those.
const MONGO_OPERATORS: ReadonlySet<string> = new Set(
  `where ne eq gt gte lt lte in nin regex options exists expr function accumulator or and nor not elemmatch all size type mod text search jsonschema geowithin geointersects near nearsphere bitsallset bitsanyset match lookup merge out unionwith graphlookup group project addfields replaceroot facet set unset rename inc push pull pullall addtoset pop currentdate mul min max setoninsert`.split(
    " ",
  ),
);
const isMongoOperator = (token: string): boolean => MONGO_OPERATORS.has(token);

export const sqlRules: readonly ValueRule[] = [
  // SQL grammar: quote break, boolean expression, stacked or UNION query
  // (its tokenizer's work grows with the quotes, brackets, commas, operators and comment marks it reads)
  {
    id: 1001,
    plain: true,
    group: "sqli",
    paranoia: 1,
    score: 5,
    detect: looksLikeSqlInjection,
    plainGate: PLAIN_SQL,
    workPer: "'\"`()[]{},=;|&#*<>!%^~\\",
  },
  // NoSQL operator as a key: a JSON key (`password.$ne`, the walked path) or a query name
  // (`password[$ne]`, `$where`), which a MongoDB driver reads as a query operator
  {
    id: 1010,
    needs: "$",
    group: "sqli",
    paranoia: 1,
    score: 5,
    on: ["name"],
    accept: isMongoOperator,
    pattern: /(?:^|[.[\]])\$([a-z]{2,16})(?=$|[.[\]])/g,
  },
  // NoSQL operator inside JSON carried by a value (`filter={"age":{"$gt":0}}`): a `$`-key after `{` or `,`
  {
    id: 1011,
    needs: "$",
    group: "sqli",
    paranoia: 1,
    score: 5,
    accept: isMongoOperator,
    pattern: /[{,[]\s{0,5}["']?\$([a-z]{2,16})["']?\s{0,5}:/g,
  },
  // a quote closing a MongoDB `$where` string, then JavaScript that a `$where` runs: `this.<field>`,
  // a `return` of a condition, a stall (`sleep(`, `while(true)`); "label it 'done'; return it" is prose
  {
    id: 1012,
    needs: "'\"",
    group: "sqli",
    paranoia: 1,
    score: 5,
    pattern:
      /['"]\s{0,5}(?:;|\|\||&&)\s{0,5}(?:return\s{1,5}(?:this\.|true\b|false\b|!|\d|sleep\s{0,5}\()|this\.[a-z_$]|sleep\s{0,5}\(\s{0,5}\d|while\s{0,5}\(\s{0,5}(?:true|1)\s{0,5}\))/,
  },
  // SQL catalog or system object
  {
    id: 1002,
    plain: true,
    group: "sqli",
    paranoia: 1,
    score: 5,
    pattern:
      /\b(?:information_schema|pg_catalog|pg_(?:shadow|user|database|proc|class|namespace|tables)|sqlite_(?:master|schema|temp_master)|mysql\.(?:user|db)|sys\.(?:objects|tables|columns|databases|sql_logins|user_\w{1,20}|dba_\w{1,20})|sysobjects|tempdb|msdb|syscolumns|sysdatabases|msysobjects|msysaccessobjects|all_tables|user_tables|dba_users|v\$version|msdasql|sqloledb|dbms_\w{1,30}|utl_(?:http|inaddr|file)|xp_cmdshell|sp_(?:executesql|oacreate|configure|password|makewebtask|addextendedproc))\b/,
  },
  // SQL fragment: comment after a quote, quote arithmetic, or a keyword tail
  {
    id: 1003,
    plain: true,
    group: "sqli",
    paranoia: 2,
    score: 5,
    on: ["path", "query", "cookie", "body", "name"],
    pattern:
      /(?:['"`]\s{0,5}(?:--|#|\/\*|;|\)|\|\||&&|[+-]\s{0,5}\w|=|<|>|\b(?:or|and|xor|not|is|like|rlike|regexp|in|between|having|union|div)\b)|\b(?:or|and)\s{1,5}['"\d]|\b(?:like|rlike|regexp)\s{0,5}['"`]|^\s{0,5}[)'"]|\)\s{0,5}(?:as|from|union|or|and)\s|\b(?:select|execute|exec)\s{0,5}\(|::\s{0,5}(?:int|text|bool|varchar)\b|\bprocedure\s{1,5}analyse|^\s{0,5}exec(?:ute)?\s{1,5}[a-z_@(]|\bnot\s{1,5}(?:between|in|like)\b|^\s{0,5}(?:xor|<=|>=|is\s{1,5}(?:not\s{1,5})?null|in\s{0,5}\(\s{0,5}\d|like|rlike|regexp|not\s{1,5}like|&&|\|\||>>|<<|<=>|!=)(?:\s|$))/,
  },
];
