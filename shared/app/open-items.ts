import pMap from 'p-map';
import type { EventPublisher } from '#shared/app/ports';
import { CITY_NAME } from '#shared/domain/area-list';
import { cityArea, placeRecord } from '#shared/domain/areas';
import type { EntityKind } from '#shared/domain/entity-events';
import { type EntityFacts, foldFacts } from '#shared/domain/entity-facts';
import type { Reference } from '#shared/domain/reference';
import {
  isOpen,
  type Light,
  type NoticeMarks,
  nextNotice,
  noticeAt,
  type SupervisionContext,
  type SupervisionThresholds,
  standingOf,
  supervisionView,
} from '#shared/domain/supervision';
import { deadlineNoticed } from '#shared/events/deadlines';
import { busEvent } from '#shared/events/definition';
import type { AreaKey } from '#shared/schemas/common';

/** Writes to the index at once. */
const WRITE_CONCURRENCY = 8;

/** One item of the open-items index: the entity's facts, the notices given, when the next is due. */
export interface IndexedItem {
  readonly facts: EntityFacts;
  readonly view: string;
  readonly marks: NoticeMarks;
  /** When the next notice is due (epoch ms); undefined when none is pending. */
  readonly due: number | undefined;
  /**
   * The event count of the facts the item entered the index with: an item that left (closed) and
   * came back (reopened) gives its notices again, under new ids.
   */
  readonly since: number;
}

/**
 * What the index holds of an entity: an open item, or the event count of the derivation that closed
 * it (kept for a while, so an older derivation that arrives late cannot open it again).
 */
export type HeldItem =
  | { readonly n: number; readonly item: IndexedItem }
  | { readonly n: number; readonly item?: undefined };

/** One change `indexOpenItems` makes to the index, with what `get` found there for the entity. */
export type IndexChange =
  | {
      readonly op: 'put';
      readonly facts: EntityFacts;
      readonly view: string;
      readonly due: number | undefined;
      readonly held: HeldItem | undefined;
    }
  | {
      readonly op: 'remove';
      readonly kind: EntityKind;
      readonly id: string;
      readonly n: number;
      readonly held: HeldItem;
    };

/** The open-items index: open tickets and cases, and when each next gives a notice. */
export interface OpenItemsIndex {
  /** What the index holds of these entities (absent: never open, or closed long ago). */
  get(keys: readonly { kind: EntityKind; id: string }[]): Promise<Map<string, HeldItem>>;
  /**
   * Keeps an entity's facts, its view and when its next notice is due, unless the index holds a
   * derivation from as many events or more (`exact`: from more events; the facts are a
   * reconciliation's, from every event stored); the notices given are kept.
   */
  put(
    facts: EntityFacts,
    view: string,
    due: number | undefined,
    options?: { readonly exact?: boolean },
  ): Promise<void>;
  /**
   * Drops an entity that is no longer open, unless the index holds a derivation from as many events
   * or more (`exact`: from more events); what remains for a while is the event count of this
   * derivation.
   */
  remove(kind: EntityKind, id: string, n: number, options?: { readonly exact?: boolean }): Promise<void>;
  /**
   * Makes changes of distinct entities at once, each as `put` or `remove` would: an entry still as
   * `get` found it is changed in place, an absent one is created, and one that changed meanwhile
   * gets the single conditional write, which never replaces a derivation from as many events or more.
   */
  apply(changes: readonly IndexChange[]): Promise<void>;
  /** Every open item (of one kind, or both). */
  list(kind?: EntityKind): Promise<IndexedItem[]>;
  /** The items whose next notice is due at or before `now`, read consistently. */
  due(now: number): Promise<IndexedItem[]>;
  /**
   * Records the notices given for an item still indexed with this view, and when its next is due
   * (nothing, when it left the index or its view changed meanwhile).
   */
  mark(
    kind: EntityKind,
    id: string,
    view: string,
    marks: NoticeMarks,
    due: number | undefined,
  ): Promise<void>;
}

/** The key the index and its callers name an entity by. */
export const itemKey = (kind: EntityKind, id: string): string => `${kind}#${id}`;

/** What keeping the index and reading it need. */
export interface OpenItemsDeps {
  readonly openItems: OpenItemsIndex;
  readonly loadSupervision: () => Promise<SupervisionReference>;
  readonly timeZone: string;
  readonly now: () => number;
}

/** The reference data supervision reads: areas (and their names), calendar and the yellow thresholds. */
export interface SupervisionReference extends Reference {
  readonly names: ReadonlyMap<AreaKey, string>;
  readonly thresholds: SupervisionThresholds;
}

const contextOf = (reference: SupervisionReference, timeZone: string): SupervisionContext => ({
  calendar: reference.calendar,
  timeZone,
  thresholds: reference.thresholds,
});

/** When an item's next notice is due, given its facts and the notices it gave. */
const dueOf = (facts: EntityFacts, marks: NoticeMarks, now: number, context: SupervisionContext) => {
  const standing = standingOf(facts, now, context);
  return standing ? nextNotice(standing, marks)?.at : undefined;
};

/**
 * Brings one entity's index entry in line with its facts: an open entity whose view differs from the
 * entry's is written with when its next notice is due, one no longer open leaves the index. Returns
 * whether it wrote. `exact` facts (a reconciliation's) replace an entry from as many events.
 */
const syncItem = async (
  entity: EntityFacts,
  stored: IndexedItem | undefined,
  deps: OpenItemsDeps,
  due: (entity: EntityFacts, marks: NoticeMarks) => number | undefined,
  options: { readonly exact?: boolean } = {},
): Promise<boolean> => {
  if (!isOpen(entity)) {
    if (!stored) return false;
    await deps.openItems.remove(entity.kind, entity.id, entity.n, options);
    return true;
  }
  const view = supervisionView(entity);
  if (stored?.view === view) return false;
  await deps.openItems.put(entity, view, due(entity, stored?.marks ?? {}), options);
  return true;
};

/**
 * Applies `sync` to each entity with what the index holds of it, under the current calendar and
 * thresholds, a few writes at a time.
 */
const syncEntities = async <Result>(
  entities: readonly EntityFacts[],
  deps: OpenItemsDeps,
  sync: (
    entity: EntityFacts,
    held: HeldItem | undefined,
    due: (entity: EntityFacts, marks: NoticeMarks) => number | undefined,
  ) => Promise<Result>,
): Promise<Result[]> => {
  if (entities.length === 0) return [];
  const [held, reference] = await Promise.all([
    deps.openItems.get(entities.map(({ kind, id }) => ({ kind, id }))),
    deps.loadSupervision(),
  ]);
  const context = contextOf(reference, deps.timeZone);
  const now = deps.now();
  const due = (entity: EntityFacts, marks: NoticeMarks) => dueOf(entity, marks, now, context);
  return pMap(entities, (entity) => sync(entity, held.get(itemKey(entity.kind, entity.id)), due), {
    concurrency: WRITE_CONCURRENCY,
  });
};

/**
 * Keeps the open-items index up to date with entities' new facts (those of a batch of `facts.changed`):
 * an open entity whose view changed is written with when its next notice is due, one no longer open
 * leaves the index, all in a few batched writes. Of an entity's several facts only the latest
 * derivation counts; an entity whose view is what the index holds costs a read, no write.
 */
export const indexOpenItems = async (facts: readonly EntityFacts[], deps: OpenItemsDeps): Promise<void> => {
  const changes = await syncEntities(
    [...foldFacts(facts).values()],
    deps,
    async (entity, held, due): Promise<IndexChange[]> => {
      // A derivation from as many events or more is there already (a late copy of an older one must
      // not open a closed item again, nor move an open one back).
      if (held && held.n >= entity.n) return [];
      if (!isOpen(entity))
        return held?.item ? [{ op: 'remove', kind: entity.kind, id: entity.id, n: entity.n, held }] : [];
      const view = supervisionView(entity);
      if (held?.item?.view === view) return [];
      return [{ op: 'put', facts: entity, view, due: due(entity, held?.item?.marks ?? {}), held }];
    },
  );
  await deps.openItems.apply(changes.flat());
};

/**
 * Makes the index agree with entities' exact facts (a reconciliation's, derived from every stored
 * event): an open entity the index lacks or holds with another view is written, one no longer open
 * that the index holds is dropped. Returns the facts of the entities corrected.
 */
export const reconcileOpenItems = async (
  exact: readonly EntityFacts[],
  deps: OpenItemsDeps,
): Promise<EntityFacts[]> =>
  (
    await syncEntities(exact, deps, async (entity, held, due) =>
      (await syncItem(entity, held?.item, deps, due, { exact: true })) ? [entity] : [],
    )
  ).flat();

/** One open item as `GET /open-items` lists it. */
export interface OpenItem {
  readonly kind: EntityKind;
  readonly id: string;
  readonly category: string | null;
  /** When its limit started: a ticket's receipt, a case's filing (RFC 3339). */
  readonly startedAt: string;
  readonly deadline: string;
  /** Share of the limit used (working time for cases, calendar time for tickets); above 1 past the deadline. */
  readonly usedShare: number;
  readonly light: Light;
  /** Whole minutes past the deadline (0 before it). */
  readonly overdueMinutes: number;
  /** The most precise area that places it (a street, else a district, else the city) and its name. */
  readonly area: AreaKey;
  readonly areaName: string;
  /** Every area that places it, from the city down. */
  readonly areas: readonly AreaKey[];
}

/** Filters of `GET /open-items`: items placed in any of `area` (all when empty), of a kind, of a light. */
export interface OpenItemsQuery {
  readonly area: readonly AreaKey[];
  readonly kind?: EntityKind | undefined;
  readonly light?: Light | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** An indexed item as listed at `now`, or undefined when its facts no longer make it open. */
export const openItemAt = (
  facts: EntityFacts,
  now: number,
  context: SupervisionContext,
  { areas, names }: Pick<SupervisionReference, 'areas' | 'names'>,
): OpenItem | undefined => {
  const standing = standingOf(facts, now, context);
  if (!standing) return undefined;
  const placed = placeRecord(facts.state.placement, areas);
  const area = placed.at(-1) as AreaKey;
  const startedAt = facts.kind === 'ticket' ? facts.state.receivedAt : facts.state.filedAt;
  return {
    kind: facts.kind,
    id: facts.id,
    category: facts.state.category ?? null,
    startedAt: iso(startedAt as number),
    deadline: iso(standing.deadline),
    usedShare: Math.round(standing.usedShare * 10_000) / 10_000,
    light: standing.light,
    overdueMinutes: Math.max(0, Math.floor((now - standing.deadline) / 60_000)),
    area,
    areaName: area === cityArea ? CITY_NAME : (names.get(area) ?? area),
    areas: placed,
  };
};

/** Orders open items by deadline, then kind and id: the most urgent first, the same order every time. */
const byDeadline = (a: OpenItem, b: OpenItem) => {
  if (a.deadline !== b.deadline) return a.deadline < b.deadline ? -1 : 1;
  return itemKey(a.kind, a.id) < itemKey(b.kind, b.id) ? -1 : 1;
};

/** How many open items an area holds per light. */
export interface LightCounts {
  readonly area: AreaKey;
  readonly name: string;
  readonly green: number;
  readonly yellow: number;
  readonly red: number;
  readonly paused: number;
}

/** Counts per light of the city and every district the items are placed in (city first, then by key). */
export const countLights = (
  items: readonly OpenItem[],
  names: ReadonlyMap<AreaKey, string>,
): LightCounts[] => {
  const counts = new Map<AreaKey, Record<Light, number>>();
  for (const item of items) {
    for (const area of item.areas) {
      if (area !== cityArea && !area.startsWith('district:')) continue;
      const count = counts.get(area) ?? { green: 0, yellow: 0, red: 0, paused: 0 };
      count[item.light] += 1;
      counts.set(area, count);
    }
  }
  return [...counts.entries()]
    .sort(([a], [b]) => (a === cityArea ? -1 : b === cityArea ? 1 : a < b ? -1 : 1))
    .map(([area, count]) => ({
      area,
      name: area === cityArea ? CITY_NAME : (names.get(area) ?? area),
      ...count,
    }));
};

/**
 * Every open item matching the filters, at the hub's `now`, sorted by deadline, and the counts per
 * light of the city and each district over the items of the area and kind asked for (any light).
 */
export const listOpenItems = async (
  query: OpenItemsQuery,
  deps: OpenItemsDeps,
): Promise<{ readonly now: number; readonly items: OpenItem[]; readonly counts: LightCounts[] }> => {
  const [indexed, reference] = await Promise.all([deps.openItems.list(query.kind), deps.loadSupervision()]);
  const context = contextOf(reference, deps.timeZone);
  const now = deps.now();
  const placed = indexed
    .map((item) => openItemAt(item.facts, now, context, reference))
    .filter((item): item is OpenItem => item !== undefined)
    .filter((item) => query.area.length === 0 || query.area.some((area) => item.areas.includes(area)));
  const items = placed.filter((item) => (query.light ? item.light === query.light : true)).sort(byDeadline);
  return { now, items, counts: countLights(placed, reference.names) };
};

/** A page of open items and where the next starts, after the item a token names. */
export const pageOfOpenItems = (
  items: readonly OpenItem[],
  limit: number,
  after?: { readonly deadline: string; readonly key: string },
): { items: OpenItem[]; next?: { deadline: string; key: string } } => {
  const rest = after
    ? items.filter(
        (item) =>
          item.deadline > after.deadline ||
          (item.deadline === after.deadline && itemKey(item.kind, item.id) > after.key),
      )
    : items;
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return rest.length > limit && last
    ? { items: page, next: { deadline: last.deadline, key: itemKey(last.kind, last.id) } }
    : { items: page };
};

/** What the minute sweep needs: the index and the bus. */
export interface SweepDeps extends OpenItemsDeps {
  readonly publisher: EventPublisher;
}

/** What one sweep did. */
export interface SweepOutcome {
  /** Items whose notice time had come. */
  readonly due: number;
  /** Notices announced. */
  readonly announced: number;
}

/**
 * The minute sweep of deadlines: every indexed item whose next notice is due gets it announced
 * (`ticket.deadline-approaching`, `ticket.overdue` and the case pair, once per item and deadline),
 * then its marks and next due time are stored. Announced before being marked: a sweep that dies in
 * between announces again with the same ids, never loses one. An item due but paused, or whose due
 * time was computed under other thresholds, only gets its due time corrected.
 */
export const sweepDeadlines = async (deps: SweepDeps): Promise<SweepOutcome> => {
  const now = deps.now();
  const [due, reference] = await Promise.all([deps.openItems.due(now), deps.loadSupervision()]);
  const context = contextOf(reference, deps.timeZone);
  const steps = due.flatMap((item) => {
    const standing = standingOf(item.facts, now, context);
    if (!standing) return [];
    const given = noticeAt(standing, item.marks, now);
    const marks = given?.marks ?? item.marks;
    return [{ item, standing, given, marks, next: nextNotice(standing, marks)?.at }];
  });
  const notices = steps.filter((step) => step.given !== undefined);
  await deps.publisher.publish(
    notices.map(({ item, standing, given }) =>
      busEvent(deadlineNoticed, {
        kind: item.facts.kind,
        id: item.facts.id,
        since: item.since,
        notice: given?.notice ?? 'overdue',
        deadline: iso(standing.deadline),
        at: iso(given?.notice === 'overdue' ? standing.deadline : (standing.yellowFrom ?? now)),
        usedShare: Math.round(standing.usedShare * 10_000) / 10_000,
        category: item.facts.state.category ?? null,
        areas: placeRecord(item.facts.state.placement, reference.areas),
      }),
    ),
  );
  await pMap(
    steps,
    ({ item, marks, next }) => deps.openItems.mark(item.facts.kind, item.facts.id, item.view, marks, next),
    { concurrency: WRITE_CONCURRENCY },
  );
  return { due: due.length, announced: notices.length };
};

/**
 * Recomputes when every indexed item's next notice is due, under the current calendar and
 * thresholds (after either changed), and corrects the items whose stored time differs; returns how
 * many were corrected.
 */
export const redueOpenItems = async (deps: OpenItemsDeps): Promise<number> => {
  const [indexed, reference] = await Promise.all([deps.openItems.list(), deps.loadSupervision()]);
  const context = contextOf(reference, deps.timeZone);
  const now = deps.now();
  const moved = indexed.flatMap((item) => {
    const due = dueOf(item.facts, item.marks, now, context);
    return due === item.due ? [] : [{ item, due }];
  });
  await pMap(
    moved,
    ({ item, due }) => deps.openItems.mark(item.facts.kind, item.facts.id, item.view, item.marks, due),
    { concurrency: WRITE_CONCURRENCY },
  );
  return moved.length;
};
