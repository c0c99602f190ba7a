import Flatbush from 'flatbush';
import { type Projection, projection } from '#shared/domain/sanitation/geometry';
import type { Roads } from '#shared/schemas/reference';

/** One road segment as the coverage engine sees it. */
export interface RoadSegment {
  readonly segmentId: string;
  readonly district: string;
  readonly street: string | undefined;
  readonly widthM: number;
  readonly planned: boolean;
  /** Length along the polyline, in metres. */
  readonly lengthM: number;
  /** Number of coverage cells (about one per metre); cells tile the segment exactly. */
  readonly cells: number;
  /** Index of the segment's first cell in a city-wide bit array. */
  readonly firstCell: number;
}

/**
 * The road registry prepared for coverage: segments projected to metres, their polyline edges in
 * typed arrays, and a Flatbush index over the edges' bounding boxes.
 */
export interface RoadNetwork {
  readonly segments: readonly RoadSegment[];
  readonly bySegmentId: ReadonlyMap<string, number>;
  readonly projection: Projection;
  /** Total cells of all segments: the size of a city-wide coverage bit array. */
  readonly totalCells: number;
  readonly edges: {
    readonly x0: Float64Array;
    readonly y0: Float64Array;
    readonly x1: Float64Array;
    readonly y1: Float64Array;
    /** Unit direction. */
    readonly ux: Float64Array;
    readonly uy: Float64Array;
    readonly length: Float64Array;
    /** Distance from the segment's start to the edge's start, in metres. */
    readonly offset: Float64Array;
    readonly segment: Int32Array;
  };
  /** Index over edge bounding boxes; search with a box grown by the coverage distance. */
  readonly index: Flatbush | undefined;
}

/** Builds the network; the projection is centred on the roads' bounding box. */
export const buildRoadNetwork = (roads: Roads): RoadNetwork => {
  let minLon = Number.POSITIVE_INFINITY;
  let minLat = Number.POSITIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  let edgeCount = 0;
  for (const feature of roads.features) {
    edgeCount += feature.geometry.coordinates.length - 1;
    for (const [lon = 0, lat = 0] of feature.geometry.coordinates) {
      minLon = Math.min(minLon, lon);
      maxLon = Math.max(maxLon, lon);
      minLat = Math.min(minLat, lat);
      maxLat = Math.max(maxLat, lat);
    }
  }
  const project = projection(
    edgeCount > 0 ? (minLon + maxLon) / 2 : 0,
    edgeCount > 0 ? (minLat + maxLat) / 2 : 0,
  );
  const edges = {
    x0: new Float64Array(edgeCount),
    y0: new Float64Array(edgeCount),
    x1: new Float64Array(edgeCount),
    y1: new Float64Array(edgeCount),
    ux: new Float64Array(edgeCount),
    uy: new Float64Array(edgeCount),
    length: new Float64Array(edgeCount),
    offset: new Float64Array(edgeCount),
    segment: new Int32Array(edgeCount),
  };
  const segments: RoadSegment[] = [];
  let edge = 0;
  let firstCell = 0;
  for (const feature of roads.features) {
    const { coordinates } = feature.geometry;
    let lengthM = 0;
    for (let i = 0; i + 1 < coordinates.length; i += 1, edge += 1) {
      const [lonA = 0, latA = 0] = coordinates[i] ?? [];
      const [lonB = 0, latB = 0] = coordinates[i + 1] ?? [];
      const x0 = project.x(lonA);
      const y0 = project.y(latA);
      const x1 = project.x(lonB);
      const y1 = project.y(latB);
      const length = Math.hypot(x1 - x0, y1 - y0);
      edges.x0[edge] = x0;
      edges.y0[edge] = y0;
      edges.x1[edge] = x1;
      edges.y1[edge] = y1;
      edges.ux[edge] = length > 0 ? (x1 - x0) / length : 0;
      edges.uy[edge] = length > 0 ? (y1 - y0) / length : 0;
      edges.length[edge] = length;
      edges.offset[edge] = lengthM;
      edges.segment[edge] = segments.length;
      lengthM += length;
    }
    const cells = Math.max(1, Math.round(lengthM));
    const { segmentId, district, street, widthM, planned } = feature.properties;
    segments.push({ segmentId, district, street, widthM, planned, lengthM, cells, firstCell });
    firstCell += cells;
  }
  let index: Flatbush | undefined;
  if (edgeCount > 0) {
    index = new Flatbush(edgeCount);
    for (let i = 0; i < edgeCount; i += 1) {
      index.add(
        Math.min(edges.x0[i] as number, edges.x1[i] as number),
        Math.min(edges.y0[i] as number, edges.y1[i] as number),
        Math.max(edges.x0[i] as number, edges.x1[i] as number),
        Math.max(edges.y0[i] as number, edges.y1[i] as number),
      );
    }
    index.finish();
  }
  return {
    segments,
    bySegmentId: new Map(segments.map((segment, position) => [segment.segmentId, position])),
    projection: project,
    totalCells: firstCell,
    edges,
    index,
  };
};
