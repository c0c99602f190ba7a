/**
 * The map of the day (一张图) with MapLibre GL JS: road segments coloured by the share cleaned
 * (`GET /map/roads`), districts or streets shaded by a chosen indicator (`GET /map/areas`), and the
 * day's tickets and cases clustered (`GET /map/events`). No tile server: the style is blank and the
 * hub's own GeoJSON are its only sources, fetched here with the analyst token and handed over as data.
 *
 * MapLibre parses GeoJSON in a module worker it starts from a URL. The page carries the worker's code
 * (infra/dashboard/build.ts inlines it) and starts it from a `blob:` URL, which is why the page's
 * Content Security Policy has `worker-src blob:` and nothing more for the map.
 */
import 'maplibre-gl/dist/maplibre-gl.css';
import {
  type ExpressionSpecification,
  type GeoJSONSource,
  type MapGeoJSONFeature,
  Map as MapLibreMap,
  NavigationControl,
  Popup,
  type StyleSpecification,
  setWorkerUrl,
} from 'maplibre-gl';
import workerCode from 'maplibre-gl-worker-code';
import { element } from '#infra/dashboard/page/dom';
import {
  AREA_RAMP,
  type AreaMapJson,
  boundsOf,
  CASE_COLOR,
  type EventMapJson,
  mapSummary,
  NO_SHARE_COLOR,
  NO_VALUE_COLOR,
  type RoadMapJson,
  rangeLabels,
  SHARE_RAMP,
  TICKET_COLOR,
  valueRange,
} from '#infra/dashboard/page/map-view';
import type { Unit } from '#infra/dashboard/page/view';

/** Reads an analyst route with the page's token (main.ts's `api`). */
export type ApiReader = (path: string) => Promise<Response>;

const EMPTY = { type: 'FeatureCollection' as const, features: [] };
const ROAD_LAYER = 'roads';
const AREA_FILL_LAYER = 'areas-fill';
const AREA_LINE_LAYER = 'areas-line';
const CLUSTER_LAYER = 'events-clusters';
const POINT_LAYER = 'events-points';

const shareColor: ExpressionSpecification = [
  'case',
  ['!=', ['typeof', ['get', 'share']], 'number'],
  NO_SHARE_COLOR,
  ['interpolate', ['linear'], ['get', 'share'], ...SHARE_RAMP.flat()],
];

/** The blank style: a background and the hub's three GeoJSON sources (no glyphs: no text is drawn on the map). */
const style: StyleSpecification = {
  version: 8,
  sources: {
    areas: { type: 'geojson', data: EMPTY },
    roads: { type: 'geojson', data: EMPTY },
    events: { type: 'geojson', data: EMPTY, cluster: true, clusterRadius: 36, clusterMaxZoom: 15 },
  },
  layers: [
    { id: 'background', type: 'background', paint: { 'background-color': '#f8fafc' } },
    {
      id: AREA_FILL_LAYER,
      type: 'fill',
      source: 'areas',
      paint: { 'fill-color': NO_VALUE_COLOR, 'fill-opacity': 0.75 },
    },
    {
      id: AREA_LINE_LAYER,
      type: 'line',
      source: 'areas',
      paint: { 'line-color': '#475569', 'line-width': 1 },
    },
    {
      id: ROAD_LAYER,
      type: 'line',
      source: 'roads',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': shareColor,
        'line-width': ['interpolate', ['linear'], ['zoom'], 10, 1.5, 14, 4, 17, 9],
      },
    },
    {
      id: CLUSTER_LAYER,
      type: 'circle',
      source: 'events',
      filter: ['has', 'point_count'],
      paint: {
        'circle-color': '#f97316',
        'circle-opacity': 0.7,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
        'circle-radius': ['step', ['get', 'point_count'], 8, 10, 12, 50, 17, 200, 23],
      },
    },
    {
      id: POINT_LAYER,
      type: 'circle',
      source: 'events',
      filter: ['!', ['has', 'point_count']],
      paint: {
        'circle-color': ['match', ['get', 'kind'], 'case', CASE_COLOR, TICKET_COLOR],
        'circle-radius': 5,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
      },
    },
  ],
};

let workerUrl: string | undefined;
let map: MapLibreMap | undefined;
let loaded: Promise<void> | undefined;
let fitted = false;
let loading = 0;

/** Creates the map in `#map` once (MapLibre needs WebGL; without it the map says so and the rest of the page works). */
const ensureMap = (): { map: MapLibreMap; loaded: Promise<void> } | undefined => {
  if (map && loaded) return { map, loaded };
  if (!workerUrl) {
    workerUrl = URL.createObjectURL(new Blob([workerCode], { type: 'text/javascript' }));
    setWorkerUrl(workerUrl);
  }
  try {
    map = new MapLibreMap({
      container: element('map'),
      style,
      center: [116.4, 39.9],
      zoom: 10,
      attributionControl: false,
      // Keeps the drawn pixels readable (screenshots, the browser test's canvas check).
      canvasContextAttributes: { preserveDrawingBuffer: true },
    });
  } catch (error) {
    element('map-status').textContent =
      `The map needs WebGL, which this browser does not offer (${(error as Error).message}).`;
    element('map-status').className = 'map-status error';
    return undefined;
  }
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  const created = map;
  created.on('click', (event) => {
    const [feature] = created.queryRenderedFeatures(event.point, {
      layers: [CLUSTER_LAYER, POINT_LAYER, ROAD_LAYER, AREA_FILL_LAYER],
    });
    if (!feature) return;
    const clusterId = feature.properties.cluster_id;
    if (typeof clusterId === 'number') {
      void (created.getSource('events') as GeoJSONSource)
        .getClusterExpansionZoom(clusterId)
        .then((zoom) => created.easeTo({ center: event.lngLat, zoom }));
      return;
    }
    new Popup({ closeButton: true, maxWidth: '18rem' })
      .setLngLat(event.lngLat)
      .setDOMContent(describe(feature))
      .addTo(created);
  });
  loaded = new Promise((resolve) => created.once('load', () => resolve()));
  return { map: created, loaded };
};

/** A feature's properties as a small definition list (text only: nothing is parsed as HTML). */
const describe = (feature: MapGeoJSONFeature): HTMLElement => {
  const list = document.createElement('dl');
  list.className = 'map-popup';
  for (const [name, value] of Object.entries(feature.properties)) {
    const term = document.createElement('dt');
    term.textContent = name;
    const detail = document.createElement('dd');
    detail.textContent = typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : String(value);
    list.append(term, detail);
  }
  return list;
};

const setSource = (target: MapLibreMap, name: string, data: unknown) =>
  (target.getSource(name) as GeoJSONSource | undefined)?.setData(
    data as Parameters<GeoJSONSource['setData']>[0],
  );

/** Shades the areas over the day's value range and writes the legend's ends. */
const shadeAreas = (target: MapLibreMap, areas: AreaMapJson, unit: Unit) => {
  const range = valueRange(areas);
  const ramp: ExpressionSpecification | string =
    range === undefined
      ? NO_VALUE_COLOR
      : range[0] === range[1]
        ? AREA_RAMP[1]
        : ['interpolate', ['linear'], ['get', 'value'], range[0], AREA_RAMP[0], range[1], AREA_RAMP[1]];
  target.setPaintProperty(AREA_FILL_LAYER, 'fill-color', [
    'case',
    ['==', ['typeof', ['get', 'value']], 'number'],
    ramp,
    NO_VALUE_COLOR,
  ]);
  const [low, high] = rangeLabels(range, unit);
  element('map-legend-low').textContent = low;
  element('map-legend-high').textContent = high;
};

/** Counts what MapLibre actually drew per layer, for the status line's test hook (`#map` data attributes). */
const recordRendered = (target: MapLibreMap) => {
  const holder = element('map');
  const count = (layer: string) => target.queryRenderedFeatures({ layers: [layer] }).length;
  holder.dataset.renderedRoads = String(count(ROAD_LAYER));
  holder.dataset.renderedAreas = String(count(AREA_FILL_LAYER));
  holder.dataset.renderedEvents = String(count(CLUSTER_LAYER) + count(POINT_LAYER));
};

/**
 * Reads the three map routes for `date` (areas with `indicator` at `level`) and draws them; the status
 * line says what each layer holds, and `#map` carries `data-date` and the rendered counts once drawn.
 */
export const loadMap = async (
  api: ApiReader,
  date: string,
  indicator: string,
  level: 'district' | 'street',
  unit: Unit,
): Promise<void> => {
  const created = ensureMap();
  if (!created) return;
  const status = element('map-status');
  const holder = element('map');
  const run = ++loading;
  holder.dataset.state = 'loading';
  status.textContent = `Loading the map of ${date}…`;
  status.className = 'map-status';
  const query = (extra: Record<string, string> = {}) => new URLSearchParams({ date, ...extra }).toString();
  try {
    const [roads, areas, events] = await Promise.all([
      api(`map/roads?${query()}`).then((answer) => answer.json() as Promise<RoadMapJson>),
      api(`map/areas?${query({ indicator, level })}`).then((answer) => answer.json() as Promise<AreaMapJson>),
      api(`map/events?${query()}`).then((answer) => answer.json() as Promise<EventMapJson>),
    ]);
    await created.loaded;
    if (run !== loading) return;
    const target = created.map;
    setSource(target, 'roads', roads);
    setSource(target, 'areas', areas);
    setSource(target, 'events', events);
    shadeAreas(target, areas, unit);
    const bounds = boundsOf(roads, areas);
    if (bounds && !fitted) {
      target.fitBounds(bounds, { padding: 24, duration: 0 });
      fitted = true;
    }
    status.textContent = mapSummary(roads, areas, events);
    target.once('idle', () => {
      if (run !== loading) return;
      recordRendered(target);
      holder.dataset.date = date;
      holder.dataset.state = 'ready';
    });
    target.triggerRepaint();
  } catch (error) {
    if (run !== loading) return;
    holder.dataset.state = 'error';
    status.textContent = `Could not load the map: ${(error as Error).message}`;
    status.className = 'map-status error';
    throw error;
  }
};

/** Drops the map (signing out): the next sign-in draws it anew. */
export const removeMap = () => {
  map?.remove();
  map = undefined;
  loaded = undefined;
  fitted = false;
};
