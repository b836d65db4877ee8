// What a caught value says, for a log line or a typed error's detail. A
// `catch (e)` binds `unknown`: a thrown Error gives its message, anything
// else (a string, a number, an object a library rejected with) its String().
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
