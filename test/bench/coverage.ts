/**
 * `npm run bench:coverage`: the coverage engine on the reference city-day (test/bench/reference-city.ts),
 * on one core. Prints points per second, peak memory and the coverage result; then, when PostgreSQL
 * with PostGIS is installed, the same coverage computed by PostGIS on a sample of the fleet, with the
 * speed ratio and the agreement of the two results.
 */
import {
  CoverageMarker,
  countBits,
  forEachWorkingPiece,
  unionBitmaps,
} from '#shared/domain/sanitation/coverage';
import { buildRoadNetwork } from '#shared/domain/sanitation/road-network';
import { coverVehicleDay, type StoredPoint, toTrack } from '#shared/domain/sanitation/track';
import { zonedTime } from '#shared/domain/time';
import { runPostgisComparison } from './postgis.ts';
import {
  generateTrack,
  POINTS_PER_VEHICLE,
  referenceRoads,
  referenceVehicles,
  VEHICLES,
} from './reference-city.ts';

const DAY = '2026-03-02';
const ZONE = 'Asia/Shanghai';
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const vehicleLimit = Number(process.env.BENCH_VEHICLES ?? VEHICLES);
const sampleEvery = Number(process.env.BENCH_POSTGIS_EVERY ?? 10);

const main = async () => {
  let peakRss = process.memoryUsage().rss;
  const sampleMemory = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  const roads = referenceRoads();
  const vehicles = referenceVehicles().slice(0, vehicleLimit);
  const buildStart = process.hrtime.bigint();
  const network = buildRoadNetwork(roads);
  const buildSeconds = seconds(buildStart);
  const plannedKm = network.segments.filter((s) => s.planned).reduce((sum, s) => sum + s.lengthM, 0) / 1000;
  console.log(
    `reference city: ${network.segments.length} segments, ${(network.segments.reduce((sum, s) => sum + s.lengthM, 0) / 1000).toFixed(0)} km (${plannedKm.toFixed(0)} km planned); ${vehicles.length} vehicles × ${POINTS_PER_VEHICLE} reports`,
  );
  console.log(`road network and Flatbush index built in ${buildSeconds.toFixed(2)} s`);

  const dayStart = zonedTime(DAY, 0, ZONE);
  const marker = new CoverageMarker(network);
  const perSegment = new Map<number, Uint8Array[]>();
  const sampled = new Map<number, Uint8Array[]>();
  const samplePieces: number[] = [];
  let points = 0;
  let operatingM = 0;
  let coverageNs = 0n;
  let lastReport = Date.now();
  for (const [n] of vehicles.entries()) {
    const generated = generateTrack(n, dayStart);
    const stored: StoredPoint[] = Array.from(generated.t, (t, k) => ({
      t,
      lat: generated.lat[k] as number,
      lon: generated.lon[k] as number,
      working: generated.working[k] === 1,
    }));
    points += stored.length;
    const start = process.hrtime.bigint();
    const track = toTrack(stored, network.projection, true);
    const day = coverVehicleDay(track, DAY, ZONE, network, marker);
    coverageNs += process.hrtime.bigint() - start;
    operatingM += day.operatingM;
    for (const [segment, bitmap] of day.segments) {
      perSegment.set(segment, [...(perSegment.get(segment) ?? []), bitmap]);
      if (n % sampleEvery === 0) sampled.set(segment, [...(sampled.get(segment) ?? []), bitmap]);
    }
    if (n % sampleEvery === 0) {
      forEachWorkingPiece(track, (i) => {
        samplePieces.push(
          track.x[i] as number,
          track.y[i] as number,
          track.x[i + 1] as number,
          track.y[i + 1] as number,
        );
      });
    }
    sampleMemory();
    if (Date.now() - lastReport > 2000) {
      lastReport = Date.now();
      process.stderr.write(`  … ${n + 1} of ${vehicles.length} vehicles\n`);
    }
  }
  const coverageSeconds = Number(coverageNs) / 1e9;
  const cleanedM = (bitmaps: Map<number, Uint8Array[]>, onlyPlanned: boolean) => {
    let cleaned = 0;
    for (const [index, list] of bitmaps) {
      const segment = network.segments[index];
      if (!segment || (onlyPlanned && !segment.planned)) continue;
      cleaned += (segment.lengthM * countBits(unionBitmaps(list))) / segment.cells;
    }
    return cleaned;
  };
  const cleanedKm = cleanedM(perSegment, true) / 1000;
  console.log(`points: ${points.toLocaleString('en')}`);
  console.log(
    `coverage time (projection, sorting, pieces, index search, marking): ${coverageSeconds.toFixed(2)} s on one core`,
  );
  console.log(`throughput: ${Math.round(points / coverageSeconds).toLocaleString('en')} points/s`);
  console.log(`peak memory (RSS): ${mb(peakRss)}`);
  console.log(
    `coverage result: ${cleanedKm.toFixed(1)} of ${plannedKm.toFixed(1)} planned km cleaned (road cleaning rate ${(cleanedKm / plannedKm).toFixed(4)}), operating ${(operatingM / 1000).toFixed(0)} km`,
  );
  console.log(
    `targets: ≤ 15 s → ${coverageSeconds <= 15 ? 'met' : 'MISSED'}; ≤ 1 GB → ${peakRss <= 1024 ** 3 ? 'met' : 'MISSED'}`,
  );

  const comparison = await runPostgisComparison(network, samplePieces, (message) =>
    process.stderr.write(`${message}\n`),
  );
  if (!comparison) {
    console.log(
      'PostGIS comparison skipped (BENCH_POSTGIS=off, or PostGIS not installed: apt-get install -y postgresql-15 postgresql-15-postgis-3)',
    );
    return;
  }
  // Our engine on the same sample, timed the same way (pieces already built).
  const sampleMarker = new CoverageMarker(network);
  const ownStart = process.hrtime.bigint();
  for (let k = 0; k < samplePieces.length; k += 4) {
    sampleMarker.markPiece(
      samplePieces[k] as number,
      samplePieces[k + 1] as number,
      samplePieces[k + 2] as number,
      samplePieces[k + 3] as number,
    );
  }
  const ownSeconds = seconds(ownStart);
  let ours = 0;
  let theirs = 0;
  let worstSegment = 0;
  network.segments.forEach((segment, index) => {
    const own = (segment.lengthM * sampleMarker.cleanedCells(index)) / segment.cells;
    const postgis = comparison.cleanedM.get(segment.segmentId) ?? 0;
    ours += own;
    theirs += postgis;
    worstSegment = Math.max(worstSegment, Math.abs(own - postgis) / segment.lengthM);
  });
  console.log(
    `PostGIS on every ${sampleEvery}th vehicle (${(samplePieces.length / 4).toLocaleString('en')} working pieces): ${comparison.seconds.toFixed(1)} s; cityhub on the same pieces: ${ownSeconds.toFixed(2)} s → ${(comparison.seconds / ownSeconds).toFixed(0)}× faster`,
  );
  console.log(
    `agreement: cleaned ${(ours / 1000).toFixed(2)} km (cityhub) vs ${(theirs / 1000).toFixed(2)} km (PostGIS): ${((100 * (ours - theirs)) / theirs).toFixed(3)} %; worst segment differs by ${(100 * worstSegment).toFixed(2)} % of its length`,
  );
};

main().catch((error: Error) => {
  console.error(`bench failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
