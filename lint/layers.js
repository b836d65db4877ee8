// A small local ESLint rule: the direction table of docs/architecture.md as a
// check. Every file belongs to a *unit* (a top folder, or a folder or file of
// src/); the table passed as the rule's option says which units each unit may
// import, and which npm packages a pure unit may use. Static imports, `export …
// from`, type-only imports, `import type()` and dynamic `import()` are all
// edges: a wrong-way type import still couples the layers, and a dynamic
// import('node:fs') is still I/O. A dynamic import whose specifier is not a
// string literal cannot be checked and is refused in pure units.
import path from 'node:path';
import { builtinModules } from 'node:module';

const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/**
 * The unit of a repository-relative path: the longest direction-table key it lies in (a key names a
 * folder or, without .ts, a file), else 'src/<folder>' (in a group folder 'src/<group>/<folder>') or the
 * top folder, which then has no row.
 */
export function unitOf(rel, keys = []) {
  const parts = rel.split(/[\\/]/);
  const joined = parts.join('/');
  const stem = joined.replace(/\.(ts|js)$/, '');
  let best;
  for (const k of keys) if ((stem === k || joined.startsWith(k + '/')) && (best === undefined || k.length > best.length)) best = k;
  if (best !== undefined) return best;
  if (parts[0] === 'src' && parts.length >= 2) {
    const first = 'src/' + parts[1].replace(/\.(ts|js)$/, '');
    // A group folder (src/codecs, src/domain, ...): its sub-folders are the units.
    if (parts.length >= 3 && keys.some((k) => k.startsWith(first + '/'))) return first + '/' + parts[2].replace(/\.(ts|js)$/, '');
    return first;
  }
  return parts[0];
}

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the direction table (docs/architecture.md)' },
    schema: [{ type: 'object' }],
    messages: {
      wrongWay: '{{from}} may not import {{to}} (direction table, docs/architecture.md; {{from}} may import: {{allowed}})',
      nodeBuiltin: '{{from}} is pure: no Node built-ins ({{spec}}). Declare a port in src/ports and implement it in drivers/.',
      foreignPackage: '{{from}} is pure: package {{spec}} is not on its list ({{allowed}})',
      unknownUnit: '{{unit}} has no row in the direction table (eslint.config.js): add one and a row in docs/architecture.md',
      opaqueImport: '{{from}} is pure: a dynamic import() needs a string literal so the direction table can check it',
    },
  },
  create(context) {
    const { root, table } = context.options[0];
    const file = context.physicalFilename ?? context.filename;
    const rel = path.relative(root, file);
    if (rel.startsWith('..')) return {};
    const keys = Object.keys(table);
    const from = unitOf(rel, keys);
    const row = table[from];
    if (!row) {
      return {
        Program(node) {
          context.report({ node, messageId: 'unknownUnit', data: { unit: from } });
        },
      };
    }
    if (row.imports === '*') return {};
    const allowed = new Set([from, ...row.imports]);
    const packages = row.packages === '*' ? null : new Set(row.packages ?? []);
    const check = (node, spec) => {
      if (spec.startsWith('.')) {
        const to = unitOf(path.relative(root, path.resolve(path.dirname(file), spec)), keys);
        if (!allowed.has(to)) context.report({ node, messageId: 'wrongWay', data: { from, to, allowed: [...row.imports].join(', ') || 'nothing' } });
        return;
      }
      if (spec.startsWith('node:') || builtins.has(packageName(spec))) {
        if (!row.node) context.report({ node, messageId: 'nodeBuiltin', data: { from, spec } });
        return;
      }
      if (packages && !packages.has(packageName(spec))) context.report({ node, messageId: 'foreignPackage', data: { from, spec, allowed: [...packages].join(', ') || 'none' } });
    };
    const literal = (n) => (n && n.type === 'Literal' && typeof n.value === 'string' ? n.value : n && n.type === 'TemplateLiteral' && n.expressions.length === 0 ? n.quasis[0].value.cooked : undefined);
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      TSImportType: (n) => {
        const s = n.argument?.literal?.value ?? n.argument?.value;
        if (typeof s === 'string') check(n, s);
      },
      ImportExpression: (n) => {
        const s = literal(n.source);
        if (s !== undefined) check(n, s);
        else if (!row.node) context.report({ node: n, messageId: 'opaqueImport', data: { from } });
      },
      'CallExpression[callee.name="require"]': (n) => {
        const s = literal(n.arguments[0]);
        if (s !== undefined) check(n, s);
      },
    };
  },
};

export default { rules: { layers: layersRule } };
