import { describe, expect, it } from 'vitest';
import { type EventPattern, matchesPattern, validatePattern } from '#shared/events/pattern';

/**
 * Examples come from the Amazon EventBridge user guide ("Amazon EventBridge event patterns", "Matching null
 * values and empty strings", "Arrays in event patterns", "Content filtering" / "Comparison operators") and,
 * where the guide defers to it, the aws/event-ruler README (the engine behind EventBridge).
 */

/** The user guide's sample Amazon EC2 state-change event. */
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

/** An event envelope around a custom `detail`, for the content-filtering examples. */
const withDetail = (detail: Record<string, unknown>, envelope: Record<string, unknown> = {}) => ({
  ...ec2Event,
  ...envelope,
  detail,
});

describe('matchesPattern: event patterns', () => {
  const terminated: EventPattern = {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Instance State-change Notification'],
    detail: { state: ['terminated'] },
  };

  it('matches the sample EC2 event with the instance-termination pattern', () => {
    expect(matchesPattern(terminated, ec2Event)).toBe(true);
  });

  it.each([
    { name: 'another state', event: withDetail({ state: 'running' }) },
    { name: 'another source', event: { ...ec2Event, source: 'aws.fargate' } },
    {
      name: 'a differently cased detail-type',
      event: { ...ec2Event, 'detail-type': 'ec2 instance state-change notification' },
    },
    { name: 'no detail.state field', event: withDetail({ 'instance-id': 'i-1234567890abcdef0' }) },
    { name: 'state at another nesting level', event: { ...ec2Event, detail: {}, state: 'terminated' } },
  ])('does not match the termination pattern for $name', ({ event }) => {
    expect(matchesPattern(terminated, event)).toBe(false);
  });

  it('ignores event fields that the pattern does not name', () => {
    expect(matchesPattern({ detail: { 'instance-id': ['i-1234567890abcdef0'] } }, ec2Event)).toBe(true);
  });

  it.each([
    { source: 'aws.ec2', expected: true },
    { source: 'aws.fargate', expected: true },
    { source: 'aws.s3', expected: false },
  ])('treats the values listed for a field as OR: source $source -> $expected', ({ source, expected }) => {
    expect(matchesPattern({ source: ['aws.ec2', 'aws.fargate'] }, { ...ec2Event, source })).toBe(expected);
  });

  it('requires every field of the pattern to match (AND)', () => {
    const pattern: EventPattern = { Location: ['New York'], Day: ['Monday'] };
    expect(matchesPattern(pattern, { Location: 'New York', Day: 'Monday' })).toBe(true);
    expect(matchesPattern(pattern, { Location: 'New York', Day: 'Tuesday' })).toBe(false);
  });

  it('matches the Auto Scaling example on a null responseElements field', () => {
    const event = {
      version: '0',
      id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
      'detail-type': 'EC2 Instance Launch Successful',
      source: 'aws.autoscaling',
      account: '123456789012',
      time: '2015-11-11T21:31:47Z',
      region: 'us-east-1',
      resources: [],
      detail: { eventVersion: '', responseElements: null },
    };
    const pattern: EventPattern = {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance Launch Successful'],
      detail: { responseElements: [null] },
    };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { responseElements: {} } })).toBe(false);
  });

  it('matches the Macie example on nested numeric values (risk-score 80, trigger.risk 8)', () => {
    const macie = {
      source: 'aws.macie',
      'detail-type': 'Macie Alert',
      detail: {
        'notification-type': 'ALERT_CREATED',
        'risk-score': 80,
        trigger: { 'alert-type': 'basic', risk: 8 },
      },
    };
    const pattern: EventPattern = {
      source: ['aws.macie'],
      'detail-type': ['Macie Alert'],
      detail: { 'risk-score': [80], trigger: { risk: [8] } },
    };
    expect(matchesPattern(pattern, macie)).toBe(true);
    expect(matchesPattern(pattern, { ...macie, detail: { ...macie.detail, trigger: { risk: 7 } } })).toBe(
      false,
    );
  });

  it('compares numbers by value once parsed (300, 300.0 and 3.0e2 are the same number)', () => {
    const pattern: EventPattern = { detail: { 'x-limit': [300] } };
    expect(matchesPattern(pattern, JSON.parse('{"detail": {"x-limit": 300.0}}'))).toBe(true);
    expect(matchesPattern(pattern, JSON.parse('{"detail": {"x-limit": 3.0e2}}'))).toBe(true);
    expect(matchesPattern(pattern, { detail: { 'x-limit': '300' } })).toBe(false);
  });

  it('matches booleans exactly and never against their string form', () => {
    expect(matchesPattern({ detail: { enabled: [true] } }, withDetail({ enabled: true }))).toBe(true);
    expect(matchesPattern({ detail: { enabled: [true] } }, withDetail({ enabled: 'true' }))).toBe(false);
    expect(matchesPattern({ detail: { enabled: [false] } }, withDetail({ enabled: true }))).toBe(false);
  });

  it('uses the last occurrence of a key repeated in the pattern JSON', () => {
    const pattern: EventPattern = JSON.parse(
      '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}',
    );
    expect(matchesPattern(pattern, withDetail({ location: 'eu-west' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail({ location: 'us-east' }))).toBe(false);
  });
});

describe('matchesPattern: null values and empty strings', () => {
  const detail = { eventVersion: '', responseElements: null };

  it.each([
    { name: 'an empty string matches [""]', pattern: { detail: { eventVersion: [''] } }, expected: true },
    { name: 'null matches [null]', pattern: { detail: { responseElements: [null] } }, expected: true },
    { name: 'null does not match [""]', pattern: { detail: { responseElements: [''] } }, expected: false },
    {
      name: 'an empty string does not match [null]',
      pattern: { detail: { eventVersion: [null] } },
      expected: false,
    },
    {
      name: 'a missing field does not match [null]',
      pattern: { detail: { other: [null] } },
      expected: false,
    },
  ])('$name', ({ pattern, expected }) => {
    expect(matchesPattern(pattern, withDetail(detail))).toBe(expected);
  });
});

describe('matchesPattern: arrays', () => {
  const pattern: EventPattern = {
    resources: [
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
    ],
  };

  it('matches when the pattern array and the event array intersect', () => {
    const resources = [
      'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
    ];
    expect(matchesPattern(pattern, { ...ec2Event, resources })).toBe(true);
  });

  it('does not match when the arrays do not intersect', () => {
    expect(matchesPattern(pattern, ec2Event)).toBe(false);
  });

  it('does not match an empty event array, not even with [null]', () => {
    expect(matchesPattern({ resources: [null] }, { ...ec2Event, resources: [] })).toBe(false);
  });

  it('matches nothing with an empty pattern array', () => {
    expect(matchesPattern({ source: [] }, ec2Event)).toBe(false);
    expect(matchesPattern({ detail: { state: [] } }, ec2Event)).toBe(false);
  });

  describe('arrays of objects (event-ruler JSON array matching)', () => {
    const employees = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };

    it('matches a field inside any element', () => {
      expect(matchesPattern({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
      expect(matchesPattern({ employees: { firstName: ['Mary'] } }, employees)).toBe(false);
    });

    it('matches fields of one pattern object within the same element only', () => {
      expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(
        true,
      );
      expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(
        false,
      );
    });
  });
});

describe('matchesPattern: comparison operators', () => {
  describe('prefix', () => {
    const pattern: EventPattern = { time: [{ prefix: '2017-10-02' }] };

    it.each([
      { time: '2017-10-02T18:43:48Z', expected: true },
      { time: '2017-10-03T18:43:48Z', expected: false },
      { time: 'x2017-10-02', expected: false },
    ])('time $time -> $expected', ({ time, expected }) => {
      expect(matchesPattern(pattern, { ...ec2Event, time })).toBe(expected);
    });

    it('only applies to string values', () => {
      expect(matchesPattern({ detail: { code: [{ prefix: '12' }] } }, withDetail({ code: 123 }))).toBe(false);
    });

    it('matches the Auto Scaling events from European regions example', () => {
      const pattern: EventPattern = { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] };
      expect(matchesPattern(pattern, { ...ec2Event, source: 'aws.autoscaling', region: 'eu-west-1' })).toBe(
        true,
      );
      expect(matchesPattern(pattern, { ...ec2Event, source: 'aws.autoscaling', region: 'us-east-1' })).toBe(
        false,
      );
    });

    it.each([
      { service: 'EventBridge', expected: true },
      { service: 'EVENTBRIDGE', expected: true },
      { service: 'eventbridge', expected: true },
      { service: 'Amazon EventBridge', expected: false },
    ])(
      'ignores case with {prefix: {equals-ignore-case: "EventB"}}: $service -> $expected',
      ({ service, expected }) => {
        const ignoreCase: EventPattern = {
          detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] },
        };
        expect(matchesPattern(ignoreCase, withDetail({ service }))).toBe(expected);
      },
    );
  });

  describe('suffix', () => {
    it.each([
      { FileName: 'image.png', expected: true },
      { FileName: 'image.PNG', expected: false },
      { FileName: 'image.png.jpg', expected: false },
    ])('{suffix: ".png"}: $FileName -> $expected', ({ FileName, expected }) => {
      expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName })).toBe(expected);
    });

    it.each([
      { FileName: 'image.png', expected: true },
      { FileName: 'image.PNG', expected: true },
      { FileName: 'image.jpg', expected: false },
    ])(
      'ignores case with {suffix: {equals-ignore-case: ".png"}}: $FileName -> $expected',
      ({ FileName, expected }) => {
        const pattern: EventPattern = {
          detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] },
        };
        expect(matchesPattern(pattern, withDetail({ FileName }))).toBe(expected);
      },
    );

    it('matches the "ends with (ignore case)" table row: {suffix: {equals-ignore-case: "tbridge"}}', () => {
      const pattern: EventPattern = { service: [{ suffix: { 'equals-ignore-case': 'tbridge' } }] };
      expect(matchesPattern(pattern, { service: 'EVENTBRIDGE' })).toBe(true);
      expect(matchesPattern(pattern, { service: 'EventBus' })).toBe(false);
    });
  });

  describe('anything-but', () => {
    it.each([
      { name: 'a string', rule: 'initializing', match: 'running', excluded: 'initializing' },
      { name: 'a number', rule: 123, match: 124, excluded: 123 },
      {
        name: 'a list of strings',
        rule: ['stopped', 'overloaded'],
        match: 'running',
        excluded: 'overloaded',
      },
      { name: 'a list of numbers', rule: [100, 200, 300], match: 150, excluded: 200 },
      {
        name: 'the table row "Weather is anything but Raining"',
        rule: ['Raining'],
        match: 'Sunny',
        excluded: 'Raining',
      },
    ])('with $name matches other values and excludes the listed ones', ({ rule, match, excluded }) => {
      const pattern: EventPattern = { detail: { state: [{ 'anything-but': rule }] } };
      expect(matchesPattern(pattern, withDetail({ state: match }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ state: excluded }))).toBe(false);
    });

    it.each([
      { name: 'prefix "init"', rule: { prefix: 'init' }, match: 'running', excluded: 'initializing' },
      {
        name: 'prefix "us-" (Region is not in the US)',
        rule: { prefix: 'us-' },
        match: 'eu-west-1',
        excluded: 'us-east-1',
      },
      {
        name: 'prefixes ["init", "test"]',
        rule: { prefix: ['init', 'test'] },
        match: 'post-init',
        excluded: 'test-run',
      },
      { name: 'suffix ".png"', rule: { suffix: '.png' }, match: 'photo.jpg', excluded: 'photo.png' },
      {
        name: 'equals-ignore-case "initializing"',
        rule: { 'equals-ignore-case': 'initializing' },
        match: 'running',
        excluded: 'INITIALIZING',
      },
      {
        name: 'equals-ignore-case ["initializing", "stopped"]',
        rule: { 'equals-ignore-case': ['initializing', 'stopped'] },
        match: 'pending',
        excluded: 'Stopped',
      },
      {
        name: 'wildcard "*/lib/*"',
        rule: { wildcard: '*/lib/*' },
        match: '/usr/bin/ls',
        excluded: '/usr/lib/libc.so',
      },
      {
        name: 'wildcards ["*/lib/*", "*/bin/*"]',
        rule: { wildcard: ['*/lib/*', '*/bin/*'] },
        match: '/etc/hosts',
        excluded: '/usr/bin/ls',
      },
    ])('with $name matches other strings and excludes matching ones', ({ rule, match, excluded }) => {
      const pattern: EventPattern = { detail: { value: [{ 'anything-but': rule }] } };
      expect(matchesPattern(pattern, withDetail({ value: match }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ value: excluded }))).toBe(false);
    });

    it('does not match a missing field', () => {
      expect(
        matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({})),
      ).toBe(false);
      expect(
        matchesPattern({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, withDetail({})),
      ).toBe(false);
    });

    it('matches present values of another type, including null', () => {
      expect(
        matchesPattern(
          { detail: { state: [{ 'anything-but': 'initializing' }] } },
          withDetail({ state: null }),
        ),
      ).toBe(true);
      expect(
        matchesPattern(
          { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } },
          withDetail({ state: 12 }),
        ),
      ).toBe(true);
    });

    it('matches an event array when any element is not excluded', () => {
      const pattern: EventPattern = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
      expect(matchesPattern(pattern, withDetail({ state: ['stopped', 'running'] }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ state: ['stopped', 'overloaded'] }))).toBe(false);
    });
  });

  describe('numeric', () => {
    const pattern: EventPattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    const detail = { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 };

    it('matches the documented c-count / d-count / x-limit example when every field is in range', () => {
      expect(matchesPattern(pattern, withDetail(detail))).toBe(true);
    });

    it.each([
      { name: 'c-count 0 (lower bound is exclusive)', change: { 'c-count': 0 } },
      { name: 'c-count 6 (above <= 5)', change: { 'c-count': 6 } },
      { name: 'd-count 10 (not < 10)', change: { 'd-count': 10 } },
      { name: 'x-limit 301.9 (not = 3.018e2)', change: { 'x-limit': 301.9 } },
      { name: 'c-count given as the string "5"', change: { 'c-count': '5' } },
      { name: 'd-count missing', change: { 'd-count': undefined } },
    ])('does not match with $name', ({ change }) => {
      expect(matchesPattern(pattern, withDetail({ ...detail, ...change }))).toBe(false);
    });

    it.each([
      { rule: ['=', 100], price: 100, expected: true },
      { rule: ['=', 100], price: 100.5, expected: false },
      { rule: ['>', 10, '<=', 20], price: 10, expected: false },
      { rule: ['>', 10, '<=', 20], price: 10.5, expected: true },
      { rule: ['>', 10, '<=', 20], price: 20, expected: true },
      { rule: ['>', 10, '<=', 20], price: 20.01, expected: false },
      { rule: ['>=', 10, '<', 20], price: 10, expected: true },
      { rule: ['>=', 10, '<', 20], price: 20, expected: false },
      { rule: ['<=', -1], price: -1, expected: true },
      { rule: ['<=', -1], price: 0, expected: false },
    ])('Price $price against $rule -> $expected', ({ rule, price, expected }) => {
      expect(matchesPattern({ Price: [{ numeric: rule }] }, { Price: price })).toBe(expected);
    });
  });

  describe('cidr (IP address matching)', () => {
    const pattern: EventPattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };

    it.each([
      { ip: '10.0.0.0', expected: true },
      { ip: '10.0.0.255', expected: true },
      { ip: '10.0.1.0', expected: false },
      { ip: '11.0.0.1', expected: false },
      { ip: 'not-an-ip', expected: false },
      { ip: '2001:db8::1', expected: false },
    ])('10.0.0.0/24 against $ip -> $expected', ({ ip, expected }) => {
      expect(matchesPattern(pattern, withDetail({ sourceIPAddress: ip }))).toBe(expected);
    });

    it('does not match a non-string value', () => {
      expect(matchesPattern(pattern, withDetail({ sourceIPAddress: 123 }))).toBe(false);
    });

    it.each([
      { ip: '2001:0db8:1234:1a00:0000:0000:0000:0000', expected: true },
      { ip: '2001:db8:1234:1a00::ffff', expected: true },
      { ip: '2001:db8:1234:1a01::1', expected: false },
      { ip: '10.0.0.1', expected: false },
    ])('supports IPv6: 2001:db8:1234:1a00::/64 against $ip -> $expected', ({ ip, expected }) => {
      const ipv6: EventPattern = { detail: { sourceIPAddress: [{ cidr: '2001:db8:1234:1a00::/64' }] } };
      expect(matchesPattern(ipv6, withDetail({ sourceIPAddress: ip }))).toBe(expected);
    });
  });

  describe('exists', () => {
    const pendingEvent = {
      version: '0',
      id: '7bf73129-1428-4cd3-a780-95db273d1602',
      'detail-type': 'EC2 Instance State-change Notification',
      source: 'aws.ec2',
      account: '123456789012',
      time: '2015-11-11T21:29:54Z',
      region: 'us-east-1',
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
      detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
    };
    const cCountObject = withDetail({ state: ['initializing', 'running'], 'c-count': { c1: 100 } });

    it('{exists: true} matches the documented event that has detail.state', () => {
      expect(matchesPattern({ detail: { state: [{ exists: true }] } }, pendingEvent)).toBe(true);
    });

    it('{exists: true} does not match the documented event without detail.state', () => {
      expect(
        matchesPattern({ detail: { state: [{ exists: true }] } }, withDetail({ 'c-count': { c1: 100 } })),
      ).toBe(false);
    });

    it('{exists: false} matches an event without detail.c-count', () => {
      const pattern: EventPattern = { detail: { 'c-count': [{ exists: false }] } };
      expect(matchesPattern(pattern, withDetail({ state: ['initializing', 'running'] }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ 'c-count': 5 }))).toBe(false);
    });

    it('only looks at leaf nodes: an object-valued c-count counts as absent', () => {
      expect(matchesPattern({ detail: { 'c-count': [{ exists: false }] } }, cCountObject)).toBe(true);
      expect(matchesPattern({ detail: { 'c-count': [{ exists: true }] } }, cCountObject)).toBe(false);
    });

    it('treats a field holding null as present', () => {
      expect(matchesPattern({ detail: { state: [{ exists: true }] } }, withDetail({ state: null }))).toBe(
        true,
      );
      expect(matchesPattern({ detail: { state: [{ exists: false }] } }, withDetail({ state: null }))).toBe(
        false,
      );
    });

    it('{exists: false} matches when an intermediate object is missing', () => {
      const pattern: EventPattern = { detail: { level1: { level2: { level3: [{ exists: false }] } } } };
      expect(matchesPattern(pattern, withDetail({ level1: { other: 'x' } }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ level1: { level2: { level3: 'x' } } }))).toBe(false);
    });

    it('combines with other values in the same field as OR', () => {
      const pattern: EventPattern = { detail: { state: ['running', { exists: false }] } };
      expect(matchesPattern(pattern, withDetail({ state: 'running' }))).toBe(true);
      expect(matchesPattern(pattern, withDetail({}))).toBe(true);
      expect(matchesPattern(pattern, withDetail({ state: 'stopped' }))).toBe(false);
    });
  });

  describe('equals-ignore-case', () => {
    it.each([
      { Name: 'Alice', expected: true },
      { Name: 'ALICE', expected: true },
      { Name: 'Alicia', expected: false },
      { Name: 42, expected: false },
    ])('{equals-ignore-case: "alice"} against $Name -> $expected', ({ Name, expected }) => {
      expect(matchesPattern({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name })).toBe(expected);
    });

    it('matches the sample EC2 event on a lower-cased detail-type', () => {
      const pattern: EventPattern = {
        'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }],
      };
      expect(matchesPattern(pattern, ec2Event)).toBe(true);
      expect(
        matchesPattern(pattern, { ...ec2Event, 'detail-type': 'EC2 Spot Instance Interruption Warning' }),
      ).toBe(false);
    });
  });

  describe('wildcard', () => {
    it.each([
      { FileName: 'dir/image.png', expected: true },
      { FileName: 'dir/sub/image.png', expected: true },
      { FileName: 'dir/.png', expected: true },
      { FileName: 'dir/image.jpg', expected: false },
      { FileName: 'other/dir/image.png', expected: false },
      { FileName: 'DIR/image.png', expected: false },
    ])('{wildcard: "dir/*.png"} against $FileName -> $expected', ({ FileName, expected }) => {
      expect(matchesPattern({ FileName: [{ wildcard: 'dir/*.png' }] }, { FileName })).toBe(expected);
    });

    it.each([
      { source: 'SimpleQueueService', expected: true },
      { source: 'SimpleService', expected: true },
      { source: 'SimpleQueueServices', expected: false },
    ])('{wildcard: "Simple*Service"} against $source -> $expected', ({ source, expected }) => {
      expect(matchesPattern({ source: [{ wildcard: 'Simple*Service' }] }, { ...ec2Event, source })).toBe(
        expected,
      );
    });

    it('treats \\* as a literal asterisk', () => {
      const pattern: EventPattern = { key: [{ wildcard: 'a\\*b' }] };
      expect(matchesPattern(pattern, { key: 'a*b' })).toBe(true);
      expect(matchesPattern(pattern, { key: 'axb' })).toBe(false);
    });

    it('treats \\\\ as a literal backslash', () => {
      const pattern: EventPattern = { key: [{ wildcard: 'C:\\\\temp\\\\*' }] };
      expect(matchesPattern(pattern, { key: 'C:\\temp\\file.txt' })).toBe(true);
      expect(matchesPattern(pattern, { key: 'C:/temp/file.txt' })).toBe(false);
    });

    it('treats regular-expression characters literally', () => {
      expect(matchesPattern({ key: [{ wildcard: 'a.c*' }] }, { key: 'a.cd' })).toBe(true);
      expect(matchesPattern({ key: [{ wildcard: 'a.c*' }] }, { key: 'abcd' })).toBe(false);
    });

    it('matches nothing with an invalid escape', () => {
      expect(matchesPattern({ key: [{ wildcard: 'a\\b' }] }, { key: 'a\\b' })).toBe(false);
    });
  });

  describe('$or', () => {
    const numericOr: EventPattern = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };

    it.each([
      { name: 'c-count in range', detail: { 'c-count': 3 }, expected: true },
      { name: 'd-count in range', detail: { 'd-count': 9 }, expected: true },
      { name: 'x-limit equal', detail: { 'x-limit': 301.8 }, expected: true },
      {
        name: 'only failing alternatives',
        detail: { 'c-count': 6, 'd-count': 11, 'x-limit': 300 },
        expected: false,
      },
      { name: 'none of the fields', detail: { state: 'running' }, expected: false },
    ])('nested under detail: $name -> $expected', ({ detail, expected }) => {
      expect(matchesPattern(numericOr, withDetail(detail))).toBe(expected);
    });

    const metricOr: EventPattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };

    it.each([
      {
        name: 'metricName matches',
        event: { source: 'aws.cloudwatch', metricName: 'CPUUtilization' },
        expected: true,
      },
      { name: 'namespace matches', event: { source: 'aws.cloudwatch', namespace: 'AWS/ES' }, expected: true },
      {
        name: 'source does not match',
        event: { source: 'aws.ec2', metricName: 'CPUUtilization' },
        expected: false,
      },
      {
        name: 'neither alternative matches',
        event: { source: 'aws.cloudwatch', metricName: 'NetworkIn', namespace: 'AWS/RDS' },
        expected: false,
      },
    ])('ANDs source with the alternatives: $name -> $expected', ({ event, expected }) => {
      expect(matchesPattern(metricOr, event)).toBe(expected);
    });

    it('matches the table row: Location is "New York", or Day is "Monday"', () => {
      const pattern: EventPattern = { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] };
      expect(matchesPattern(pattern, { Location: 'Boston', Day: 'Monday' })).toBe(true);
      expect(matchesPattern(pattern, { Location: 'New York', Day: 'Friday' })).toBe(true);
      expect(matchesPattern(pattern, { Location: 'Boston', Day: 'Friday' })).toBe(false);
    });

    it('requires every field of an alternative (an "And" inside an "Or")', () => {
      const pattern: EventPattern = {
        source: ['aws.cloudwatch'],
        $or: [
          { metricName: ['CPUUtilization', 'ReadLatency'] },
          { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'] },
          { scope: ['Service'] },
        ],
      };
      const base = { source: 'aws.cloudwatch' };
      expect(matchesPattern(pattern, { ...base, metricType: 'MetricType', namespace: 'AWS/EC2' })).toBe(true);
      expect(matchesPattern(pattern, { ...base, metricType: 'MetricType', namespace: 'AWS/RDS' })).toBe(
        false,
      );
      expect(matchesPattern(pattern, { ...base, scope: 'Service' })).toBe(true);
    });
  });

  describe('the complex example combining operators', () => {
    const pattern: EventPattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    };
    const detail = {
      'c-count': 5,
      'd-count': 3,
      'x-limit': 301.8,
      'source-ip': '10.0.0.33',
      state: 'running',
    };
    const time = '2017-10-02T16:24:49Z';

    it('matches the event-ruler sample event', () => {
      expect(matchesPattern(pattern, withDetail(detail, { time }))).toBe(true);
    });

    it.each([
      { name: 'state initializing', event: withDetail({ ...detail, state: 'initializing' }, { time }) },
      { name: 'x-limit 300', event: withDetail({ ...detail, 'x-limit': 300 }, { time }) },
      {
        name: 'source-ip outside 10.0.0.0/8',
        event: withDetail({ ...detail, 'source-ip': '192.168.0.1' }, { time }),
      },
      { name: 'another day', event: withDetail(detail, { time: '2017-10-03T16:24:49Z' }) },
    ])('does not match with $name', ({ event }) => {
      expect(matchesPattern(pattern, event)).toBe(false);
    });
  });
});

describe('matchesPattern: defensive behaviour', () => {
  it.each([[null], ['event'], [42], [[ec2Event]]])('does not match a non-object event: %j', (event) => {
    expect(matchesPattern({ missing: [{ exists: false }] }, event)).toBe(false);
  });

  it('does not match with an empty pattern or an empty nested object', () => {
    expect(matchesPattern({}, ec2Event)).toBe(false);
    expect(matchesPattern({ detail: {} }, ec2Event)).toBe(false);
  });

  it('does not match with an unknown operator or a malformed operand', () => {
    expect(matchesPattern({ source: [{ contains: 'ec2' }] }, ec2Event)).toBe(false);
    expect(matchesPattern({ source: [{ prefix: 'aws', suffix: 'ec2' }] }, ec2Event)).toBe(false);
    expect(matchesPattern({ detail: { state: [{ numeric: ['>'] }] } }, withDetail({ state: 1 }))).toBe(false);
  });

  it('only reads own properties of the event', () => {
    expect(matchesPattern({ toString: [{ exists: true }] }, {})).toBe(false);
    expect(matchesPattern({ constructor: [{ exists: false }] }, {})).toBe(true);
  });

  it('does not match a scalar where the pattern expects an object, nor an object where it expects values', () => {
    expect(matchesPattern({ detail: { state: ['terminated'] } }, { ...ec2Event, detail: 'terminated' })).toBe(
      false,
    );
    expect(matchesPattern({ detail: [{ exists: true }] }, ec2Event)).toBe(false);
  });
});

describe('validatePattern', () => {
  it.each<EventPattern>([
    {
      source: ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      detail: { state: ['terminated'] },
    },
    { detail: { eventVersion: [''], responseElements: [null], enabled: [true], count: [3.018e2] } },
    { time: [{ prefix: '2017-10-02' }], service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] },
    { FileName: [{ suffix: '.png' }, { suffix: { 'equals-ignore-case': '.png' } }] },
    {
      state: [
        { 'anything-but': 'initializing' },
        { 'anything-but': 123 },
        { 'anything-but': [100, 200, 300] },
      ],
    },
    { state: [{ 'anything-but': { prefix: 'init' } }, { 'anything-but': { suffix: ['.png', '.jpg'] } }] },
    {
      state: [
        { 'anything-but': { 'equals-ignore-case': 'initializing' } },
        { 'anything-but': { wildcard: '*/lib/*' } },
      ],
    },
    { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } },
    { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }, { cidr: '2001:db8:1234:1a00::/64' }] } },
    { detail: { state: [{ exists: true }], 'c-count': [{ exists: false }] } },
    {
      Name: [{ 'equals-ignore-case': 'alice' }],
      FileName: [{ wildcard: 'dir/*.png' }, { wildcard: 'a\\*b\\\\c' }],
    },
    { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] },
  ])('accepts the documented pattern %j', (pattern) => {
    expect(validatePattern(pattern)).toEqual([]);
  });

  it.each([
    { name: 'a non-object pattern', pattern: 'source', problem: 'pattern must be a JSON object' },
    {
      name: 'an array pattern',
      pattern: [{ source: ['aws.ec2'] }],
      problem: 'pattern must be a JSON object',
    },
    { name: 'an empty pattern', pattern: {}, problem: 'pattern: must not be an empty object' },
    {
      name: 'an empty nested object',
      pattern: { detail: {} },
      problem: 'detail: must not be an empty object',
    },
    { name: 'an empty value array', pattern: { source: [] }, problem: 'source: must be a non-empty array' },
    {
      name: 'a bare value',
      pattern: { source: 'aws.ec2' },
      problem: 'source: must be an object or an array',
    },
    {
      name: 'a nested array value',
      pattern: { source: [['aws.ec2']] },
      problem: 'source[0]: must be a value',
    },
    {
      name: 'an unknown operator',
      pattern: { source: [{ contains: 'ec2' }] },
      problem: 'unknown operator "contains"',
    },
    {
      name: 'two operators in one object',
      pattern: { source: [{ prefix: 'a', suffix: 'b' }] },
      problem: 'exactly one key',
    },
    { name: 'a numeric prefix', pattern: { source: [{ prefix: 1 }] }, problem: '"prefix" takes a string' },
    {
      name: 'a list for equals-ignore-case',
      pattern: { a: [{ 'equals-ignore-case': ['x'] }] },
      problem: 'takes a string',
    },
    { name: 'two lower bounds', pattern: { c: [{ numeric: ['>', 0, '>', 0] }] }, problem: '"numeric" takes' },
    {
      name: 'an upper bound first',
      pattern: { c: [{ numeric: ['<', 10, '>', 0] }] },
      problem: '"numeric" takes',
    },
    {
      name: 'an empty range',
      pattern: { c: [{ numeric: ['>', 5, '<', 5] }] },
      problem: 'lower bound must be less',
    },
    {
      name: 'an unknown numeric operator',
      pattern: { c: [{ numeric: ['==', 5] }] },
      problem: '"numeric" takes',
    },
    { name: 'a string numeric bound', pattern: { c: [{ numeric: ['>', '5'] }] }, problem: '"numeric" takes' },
    {
      name: 'a non-boolean exists',
      pattern: { c: [{ exists: 'true' }] },
      problem: '"exists" takes true or false',
    },
    {
      name: 'a CIDR without mask',
      pattern: { ip: [{ cidr: '10.0.0.0' }] },
      problem: '"cidr" takes a CIDR block',
    },
    {
      name: 'a CIDR with a bad address',
      pattern: { ip: [{ cidr: '10.0.0.256/24' }] },
      problem: '"cidr" takes',
    },
    {
      name: 'a CIDR with a too-long mask',
      pattern: { ip: [{ cidr: '10.0.0.0/33' }] },
      problem: '"cidr" takes',
    },
    {
      name: 'consecutive wildcards',
      pattern: { f: [{ wildcard: 'a**b' }] },
      problem: 'consecutive wildcard',
    },
    { name: 'an invalid wildcard escape', pattern: { f: [{ wildcard: 'a\\b' }] }, problem: 'invalid escape' },
    {
      name: 'a mixed anything-but list',
      pattern: { s: [{ 'anything-but': [1, 'a'] }] },
      problem: 'only strings or',
    },
    {
      name: 'a null anything-but',
      pattern: { s: [{ 'anything-but': null }] },
      problem: '"anything-but" takes',
    },
    {
      name: 'a numeric anything-but',
      pattern: { s: [{ 'anything-but': { numeric: ['>', 1] } }] },
      problem: '"anything-but" takes',
    },
    {
      name: 'an empty anything-but prefix',
      pattern: { s: [{ 'anything-but': { prefix: '' } }] },
      problem: 'not be empty',
    },
    {
      name: 'an anything-but prefix ignoring case',
      pattern: { s: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'a' } } }] },
      problem: 'takes a string or strings',
    },
    {
      name: 'an invalid anything-but wildcard',
      pattern: { s: [{ 'anything-but': { wildcard: ['ok*', 'a**'] } }] },
      problem: 'consecutive wildcard',
    },
    {
      name: 'a single-branch $or',
      pattern: { $or: [{ a: ['1'] }] },
      problem: '$or: must be an array of at least two',
    },
    {
      name: 'a non-object $or branch',
      pattern: { $or: [{ a: ['1'] }, 'b'] },
      problem: '$or[1]: must be an object',
    },
  ])('reports $name', ({ pattern, problem }) => {
    const problems = validatePattern(pattern);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('locates each problem by its path in the pattern', () => {
    const problems = validatePattern({
      detail: { state: ['running', { prefix: 1 }] },
      $or: [{ a: [] }, { b: [{ exists: true }] }],
    });
    expect(problems).toEqual([
      'detail.state[1]: "prefix" takes a string or {"equals-ignore-case": string}',
      '$or[0].a: must be a non-empty array (an empty array matches nothing)',
    ]);
  });
});
