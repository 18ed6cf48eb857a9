/**
 * Where a value of a release is written in its TypeScript file, so a problem with the release data is
 * reported at that line and column. The file is parsed with @babel/parser (positions are the file's
 * own) and the value's path (e.g. insertions[4].placement[1].kind) is
 * followed through the exported release object: object and array literals, spreads, constants of the
 * file, and calls of the file's own helper functions (their parameters bound to the call's
 * arguments). Where the path can be followed no further (a value computed at run time), the deepest
 * expression reached is the place.
 */
import { parse } from "@babel/parser";
import type { Node, ObjectExpression, Statement } from "@babel/types";

/** A 1-based line and column in a release file. */
export interface SourcePoint {
  line: number;
  column: number;
}

/** A node with the names its identifiers refer to (a helper's parameters bound to a call's arguments). */
interface Bound {
  node: Node;
  scope: Scope;
  /** A helper's parameter: the value is written where the helper is called. */
  argument?: boolean;
}
type Scope = Map<string, Bound>;

/** Wrappers that leave the value as it is: `x as T`, `x satisfies T`, `x!`, `(x)`, `<T>x`. */
function unwrap(node: Node): Node {
  let current = node;
  while (
    current.type === "TSAsExpression" ||
    current.type === "TSSatisfiesExpression" ||
    current.type === "TSNonNullExpression" ||
    current.type === "TSTypeAssertion" ||
    current.type === "ParenthesizedExpression"
  ) {
    current = current.expression;
  }
  return current;
}

/** The file's top-level names: constants (their initial value) and functions. */
function topLevel(body: Statement[]): Scope {
  const scope: Scope = new Map();
  for (const statement of body) {
    const declaration = statement.type === "ExportNamedDeclaration" && statement.declaration ? statement.declaration : statement;
    if (declaration.type === "VariableDeclaration") {
      for (const declarator of declaration.declarations) {
        if (declarator.id.type === "Identifier" && declarator.init) scope.set(declarator.id.name, { node: declarator.init, scope });
      }
    } else if (declaration.type === "FunctionDeclaration" && declaration.id) {
      scope.set(declaration.id.name, { node: declaration, scope });
    }
  }
  return scope;
}

/** The exported release: the default export, else the first exported constant holding an object with a `version`. */
function releaseValue(body: Statement[], scope: Scope): Bound | undefined {
  for (const statement of body) {
    if (statement.type === "ExportDefaultDeclaration" && statement.declaration.type !== "TSDeclareFunction") {
      return { node: statement.declaration, scope };
    }
  }
  for (const statement of body) {
    if (statement.type !== "ExportNamedDeclaration" || statement.declaration?.type !== "VariableDeclaration") continue;
    for (const declarator of statement.declaration.declarations) {
      const value = declarator.init && unwrap(declarator.init);
      if (value?.type === "ObjectExpression" && propertyOf(value, "version")) return { node: declarator.init as Node, scope };
    }
  }
  return undefined;
}

/** The name of an object property's key, when it is written plainly. */
function keyName(key: Node): string | undefined {
  if (key.type === "Identifier") return key.name;
  if (key.type === "StringLiteral") return key.value;
  if (key.type === "NumericLiteral") return String(key.value);
  return undefined;
}

function propertyOf(object: ObjectExpression, name: string) {
  return object.properties.find((property) => property.type === "ObjectProperty" && !property.computed && keyName(property.key) === name);
}

/** Follows identifiers, wrappers and calls of the file's helpers to the expression a value is written as. */
function resolve(bound: Bound, depth = 0): Bound {
  const node = unwrap(bound.node);
  if (depth > 50) return { node, scope: bound.scope };
  if (node.type === "Identifier") {
    const target = bound.scope.get(node.name);
    return target && target.node.type !== "FunctionDeclaration" ? resolve(target, depth + 1) : { node, scope: bound.scope };
  }
  if (node.type === "CallExpression" && node.callee.type === "Identifier") {
    const helper = bound.scope.get(node.callee.name);
    const fn = helper && unwrap(helper.node);
    if (fn && (fn.type === "FunctionDeclaration" || fn.type === "ArrowFunctionExpression" || fn.type === "FunctionExpression")) {
      const scope: Scope = new Map(helper.scope);
      fn.params.forEach((param, index) => {
        const argument = node.arguments[index];
        if (param.type === "Identifier" && argument && argument.type !== "SpreadElement") scope.set(param.name, { node: argument, scope: bound.scope, argument: true });
      });
      const body = fn.body;
      if (body.type !== "BlockStatement") return resolve({ node: body, scope }, depth + 1);
      const returned = body.body.find((statement) => statement.type === "ReturnStatement");
      if (returned?.type === "ReturnStatement" && returned.argument) return resolve({ node: returned.argument, scope }, depth + 1);
    }
  }
  return { node, scope: bound.scope };
}

/** The elements of an array literal with spreads of other literals expanded; null when a spread cannot be followed. */
function elementsOf(bound: Bound): Bound[] | null {
  const { node, scope } = resolve(bound);
  if (node.type !== "ArrayExpression") return null;
  const elements: Bound[] = [];
  for (const element of node.elements) {
    if (!element) continue;
    if (element.type === "SpreadElement") {
      const spread = elementsOf({ node: element.argument, scope });
      if (!spread) return null;
      elements.push(...spread);
    } else {
      elements.push({ node: element, scope });
    }
  }
  return elements;
}

/** Follows `path` from `bound`; returns the node the whole path names, or the deepest one reached. */
function follow(bound: Bound, path: ReadonlyArray<PropertyKey>): Node {
  const [step, ...rest] = path;
  if (step === undefined) {
    // A helper's parameter is written where the helper is called; a constant where it is used.
    const node = unwrap(bound.node);
    const target = node.type === "Identifier" ? bound.scope.get(node.name) : undefined;
    return target?.argument ? follow(target, []) : node;
  }
  const resolved = resolve(bound);
  const { node, scope } = resolved;
  if (node.type === "ObjectExpression" && typeof step === "string") {
    // A later property (or spread) wins, as at run time.
    for (const property of [...node.properties].reverse()) {
      if (property.type === "ObjectProperty" && !property.computed && keyName(property.key) === step) {
        return follow({ node: property.value, scope }, rest);
      }
      if (property.type === "SpreadElement") {
        const inner = resolve({ node: property.argument, scope });
        if (inner.node.type === "ObjectExpression" && propertyOf(inner.node, step)) return follow(inner, path);
      }
    }
    return node;
  }
  if (typeof step === "number") {
    const elements = elementsOf(resolved);
    const element = elements?.[step];
    return element ? follow(element, rest) : node;
  }
  return node;
}

/** The key of the property `path` names (for an unknown field: the field itself), when written plainly. */
function keyNode(bound: Bound, path: ReadonlyArray<PropertyKey>): Node | undefined {
  const name = path.at(-1);
  if (typeof name !== "string") return undefined;
  const parent = resolve({ node: follow(bound, path.slice(0, -1)), scope: bound.scope });
  const object = parent.node.type === "ObjectExpression" ? parent.node : undefined;
  const property = object && propertyOf(object, name);
  return property?.type === "ObjectProperty" ? property.key : undefined;
}

/** A parsed release file: its top-level names and the exported release. */
export interface ReleaseSource {
  release: Bound | undefined;
}

/** Parses a release file's text. Throws the parser's error (with its position) for text that is not TypeScript. */
export function parseReleaseSource(text: string): ReleaseSource {
  const ast = parse(text, { sourceType: "module", plugins: ["typescript"] });
  const scope = topLevel(ast.program.body);
  return { release: releaseValue(ast.program.body, scope) };
}

/**
 * Returns where the value at `path` of the release is written (`key: true`: where its field's name
 * is, for an unknown field), or the place of the deepest value on the path that is written in the
 * file; undefined when the file exports no release object.
 */
export function locateValue(source: ReleaseSource, path: ReadonlyArray<PropertyKey>, options: { key?: boolean } = {}): SourcePoint | undefined {
  if (!source.release) return undefined;
  const node = (options.key ? keyNode(source.release, path) : undefined) ?? follow(source.release, path);
  const start = node.loc?.start;
  return start ? { line: start.line, column: start.column + 1 } : undefined;
}
