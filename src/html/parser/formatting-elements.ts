import type { El } from './element.js'

/**
 * HTML §13.2.4.3 the list of active formatting elements: elements and markers. It keeps a count per tag
 * (so a lookup for an absent tag is O(1)) and, per Noah's Ark identity, the entries that share it (so
 * the Noah's Ark clause is O(1) instead of a scan of the list per pushed element).
 */
export class FormattingElements<N> {
  /** Entries in order; null is a marker. */
  readonly items: (El<N> | null)[] = []
  /** Positions of the markers, in order. */
  readonly #markers: number[] = []
  readonly #countByTag: number[]
  readonly #byKey = new Map<string, El<N>[]>()

  constructor(tagCount: number) {
    this.#countByTag = new Array<number>(tagCount).fill(0)
  }

  get length(): number {
    return this.items.length
  }

  /** Position of the last marker, or -1. */
  get lastMarker(): number {
    return this.#markers.length === 0 ? -1 : this.#markers[this.#markers.length - 1]!
  }

  pushMarker(): void {
    this.#markers.push(this.items.length)
    this.items.push(null)
  }

  /**
   * §13.2.4.3 "push onto the list of active formatting elements", with the Noah's Ark clause: if three
   * elements with the same tag name, namespace and attributes already follow the last marker, the
   * earliest of them is removed.
   */
  push(el: El<N>): void {
    const key = (el.noahKey ??= noahKey(el))
    let same = this.#byKey.get(key)
    if (same === undefined) this.#byKey.set(key, (same = []))
    // Each stretch after a marker holds at most three of a kind (this clause), and stretches only merge
    // when clearing up to a marker drops everything after it: the third from the end is the earliest.
    if (same.length >= 3) {
      const earliest = same[same.length - 3]!
      if (earliest.afeIndex > this.lastMarker) this.remove(earliest)
    }
    el.afeIndex = this.items.length
    this.items.push(el)
    same.push(el)
    this.#countByTag[el.id]!++
  }

  remove(el: El<N>): void {
    const i = el.afeIndex
    if (i < 0) return
    this.items.splice(i, 1)
    for (let j = i; j < this.items.length; j++) {
      const e = this.items[j]
      if (e) e.afeIndex = j
    }
    for (let m = this.#markers.length - 1; m >= 0 && this.#markers[m]! > i; m--) this.#markers[m]!--
    this.#forget(el)
  }

  /** Replace `old` by `el` at the same position (same name, namespace and attributes). */
  replace(old: El<N>, el: El<N>): void {
    const i = old.afeIndex
    this.items[i] = el
    el.afeIndex = i
    el.noahKey = old.noahKey
    const same = this.#byKey.get(old.noahKey!)!
    same[same.indexOf(old)] = el
    old.afeIndex = -1
  }

  /** Insert `el` at position `i` (adoption agency step 4.18, the bookmark). */
  insertAt(i: number, el: El<N>): void {
    el.noahKey ??= noahKey(el)
    this.items.splice(i, 0, el)
    for (let j = i; j < this.items.length; j++) {
      const e = this.items[j]
      if (e) e.afeIndex = j
    }
    for (let m = this.#markers.length - 1; m >= 0 && this.#markers[m]! >= i; m--) this.#markers[m]!++
    let same = this.#byKey.get(el.noahKey)
    if (same === undefined) this.#byKey.set(el.noahKey, (same = []))
    let k = same.length
    while (k > 0 && same[k - 1]!.afeIndex > i) k--
    same.splice(k, 0, el)
    this.#countByTag[el.id]!++
  }

  /** §13.2.4.3 "clear the list of active formatting elements up to the last marker". */
  clearToLastMarker(): void {
    const m = this.#markers.pop()
    const end = m ?? 0
    for (let i = this.items.length - 1; i > end; i--) this.#forget(this.items[i]!)
    if (m === undefined && this.items.length > 0 && this.items[0] !== null) this.#forget(this.items[0]!)
    this.items.length = end
  }

  /** The last element with tag id `id` after the last marker (§13.2.6.4.7, "a" start tag; adoption agency step 4.3). */
  lastBeforeMarker(id: number): El<N> | undefined {
    if (this.#countByTag[id] === 0) return undefined
    for (let i = this.items.length - 1; i >= 0; i--) {
      const e = this.items[i]
      if (e === null) return undefined
      if (e!.id === id) return e!
    }
    return undefined
  }

  #forget(el: El<N>): void {
    el.afeIndex = -1
    this.#countByTag[el.id]!--
    const same = this.#byKey.get(el.noahKey!)
    if (same !== undefined) {
      const k = same.lastIndexOf(el)
      if (k >= 0) same.splice(k, 1)
      if (same.length === 0) this.#byKey.delete(el.noahKey!)
    }
  }
}

/** Name, namespace and attributes (order-independent), as one string. */
function noahKey<N>(el: El<N>): string {
  const attrs = el.attrs
  if (attrs.length === 0) return el.name
  if (attrs.length === 1) {
    const a = attrs[0]!
    return `${el.name}\u0000${a.namespace ?? ''}\u0001${a.name}\u0002${a.value}`
  }
  const parts: string[] = []
  for (const a of attrs) parts.push(`${a.namespace ?? ''}\u0001${a.name}\u0002${a.value}`)
  parts.sort()
  return `${el.name}\u0000${parts.join('\u0000')}`
}
