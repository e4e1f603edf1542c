/** Scripts rendered into ConfigMaps: bundled as text (esbuild loader, vitest plugin). */
declare module '*.py' {
  const text: string;
  export default text;
}
