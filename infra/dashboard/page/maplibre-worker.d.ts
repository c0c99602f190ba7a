/** MapLibre's worker module as text (maplibre-gl/dist/maplibre-gl-worker.mjs), inlined by infra/dashboard/build.ts. */
declare module 'maplibre-gl-worker-code' {
  const code: string;
  export default code;
}
