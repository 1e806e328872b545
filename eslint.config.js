import neostandard from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    ignores: ['dist', 'data', 'node_modules', '.tap', 'examples/typed-client/openapi.d.ts']
  }),
  {
    // TypeScript itself rejects real redeclarations; this rule would forbid the TypeBox
    // idiom of a schema constant and its Static type sharing one name.
    rules: { '@typescript-eslint/no-redeclare': 'off' }
  }
]
