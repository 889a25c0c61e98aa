import type { El } from './element.js'
import { K, NS } from './tag-sets.js'

const KIND_BITS = 8
/** Every HTML element, for the foreign-content end tag walk (§13.2.6.5). */
export const K_HTML = 128

/**
 * HTML §13.2.4.2 the stack of open elements. Besides the stack itself it keeps, per tag and per kind of
 * scope boundary, the elements on the stack in stack order, so that "has an element in scope" compares
 * the position of the topmost target with the position of the topmost boundary: O(1), however deep the
 * stack (the Standard's walk is O(depth) per start tag, quadratic on deep documents).
 */
export class OpenElements<N> {
  readonly items: El<N>[] = []
  /** HTML elements by tag id (ids > 0). */
  readonly #byTag: El<N>[][] = []
  /** HTML elements whose name no rule mentions, by name. */
  readonly #byName = new Map<string, El<N>[]>()
  /** Foreign elements by ASCII-lower-cased name (the foreign-content end tag rule matches that way). */
  readonly #foreignByName = new Map<string, El<N>[]>()
  readonly #byKind: El<N>[][] = []
  /** Called for every element that leaves the stack, in order. */
  onPop: (el: El<N>) => void = () => {}

  constructor(tagCount: number) {
    for (let i = 0; i < tagCount; i++) this.#byTag.push([])
    for (let i = 0; i < KIND_BITS; i++) this.#byKind.push([])
  }

  get length(): number {
    return this.items.length
  }

  get current(): El<N> | undefined {
    return this.items[this.items.length - 1]
  }

  #lists(el: El<N>, create: boolean): El<N>[] | undefined {
    if (el.ns === NS.HTML) {
      if (el.id > 0) return this.#byTag[el.id]
      let list = this.#byName.get(el.name)
      if (list === undefined && create) this.#byName.set(el.name, (list = []))
      return list
    }
    const key = el.name.toLowerCase()
    let list = this.#foreignByName.get(key)
    if (list === undefined && create) this.#foreignByName.set(key, (list = []))
    return list
  }

  #kindsOf(el: El<N>): number {
    return el.ns === NS.HTML ? el.kinds | K_HTML : el.kinds
  }

  push(el: El<N>): void {
    el.index = this.items.length
    this.items.push(el)
    this.#lists(el, true)!.push(el)
    const kinds = this.#kindsOf(el)
    for (let b = 0; b < KIND_BITS; b++) if ((kinds & (1 << b)) !== 0) this.#byKind[b]!.push(el)
  }

  pop(): El<N> {
    const el = this.items.pop()!
    this.#lists(el, false)!.pop()
    const kinds = this.#kindsOf(el)
    for (let b = 0; b < KIND_BITS; b++) if ((kinds & (1 << b)) !== 0) this.#byKind[b]!.pop()
    el.index = -1
    this.onPop(el)
    return el
  }

  /** Pop until `el` has been popped. */
  popUntilElement(el: El<N>): void {
    while (el.index >= 0) this.pop()
  }

  /** Remove an element from anywhere in the stack. O(elements above it). */
  remove(el: El<N>): void {
    const i = el.index
    if (i < 0) return
    if (i === this.items.length - 1) {
      this.pop()
      return
    }
    this.items.splice(i, 1)
    for (let j = i; j < this.items.length; j++) this.items[j]!.index = j
    removeFromSorted(this.#lists(el, false)!, el)
    const kinds = this.#kindsOf(el)
    for (let b = 0; b < KIND_BITS; b++) if ((kinds & (1 << b)) !== 0) removeFromSorted(this.#byKind[b]!, el)
    el.index = -1
    this.onPop(el)
  }

  /** Insert an element at position `i` (adoption agency step 4.19). O(elements above it). */
  insertAt(i: number, el: El<N>): void {
    if (i === this.items.length) {
      this.push(el)
      return
    }
    this.items.splice(i, 0, el)
    for (let j = i; j < this.items.length; j++) this.items[j]!.index = j
    insertSorted(this.#lists(el, true)!, el)
    const kinds = this.#kindsOf(el)
    for (let b = 0; b < KIND_BITS; b++) if ((kinds & (1 << b)) !== 0) insertSorted(this.#byKind[b]!, el)
  }

  /** Replace `old` by `el` (same name and namespace) at the same position (adoption agency step 4.13.7). */
  replace(old: El<N>, el: El<N>): void {
    const i = old.index
    this.items[i] = el
    el.index = i
    replaceIn(this.#lists(old, false)!, old, el)
    const kinds = this.#kindsOf(old)
    for (let b = 0; b < KIND_BITS; b++) if ((kinds & (1 << b)) !== 0) replaceIn(this.#byKind[b]!, old, el)
    old.index = -1
  }

  /** Position of the topmost element having kind bit `kind`, or -1. */
  topOfKind(kind: number): number {
    const list = this.#byKind[31 - Math.clz32(kind)]!
    return list.length === 0 ? -1 : list[list.length - 1]!.index
  }

  /** The topmost element having kind bit `kind`. */
  topElementOfKind(kind: number): El<N> | undefined {
    const list = this.#byKind[31 - Math.clz32(kind)]!
    return list[list.length - 1]
  }

  /** The first element of kind `kind` above position `i` (binary search), for the adoption agency's furthest block. */
  firstOfKindAbove(kind: number, i: number): El<N> | undefined {
    const list = this.#byKind[31 - Math.clz32(kind)]!
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (list[mid]!.index > i) hi = mid
      else lo = mid + 1
    }
    return list[lo]
  }

  /** The topmost HTML element with tag id `id`. */
  topHtml(id: number): El<N> | undefined {
    const list = this.#byTag[id]!
    return list[list.length - 1]
  }

  /** The topmost HTML element with this name (any name). */
  topHtmlNamed(id: number, name: string): El<N> | undefined {
    const list = id > 0 ? this.#byTag[id]! : this.#byName.get(name)
    return list === undefined ? undefined : list[list.length - 1]
  }

  /** The topmost foreign element whose lower-cased name is `lowerName`. */
  topForeignNamed(lowerName: string): El<N> | undefined {
    const list = this.#foreignByName.get(lowerName)
    return list === undefined ? undefined : list[list.length - 1]
  }

  /** Position of the topmost HTML element with tag id `id`, or -1. */
  indexOfHtml(id: number): number {
    const list = this.#byTag[id]!
    return list.length === 0 ? -1 : list[list.length - 1]!.index
  }

  has(id: number): boolean {
    return this.#byTag[id]!.length !== 0
  }

  /** §13.2.4.2 "has an element in scope" for an HTML element with tag id `id`. */
  inScope(id: number): boolean {
    return this.#in(this.indexOfHtml(id), this.topOfKind(K.SCOPE))
  }

  inListItemScope(id: number): boolean {
    return this.#in(this.indexOfHtml(id), Math.max(this.topOfKind(K.SCOPE), this.topOfKind(K.LIST)))
  }

  inButtonScope(id: number): boolean {
    return this.#in(this.indexOfHtml(id), Math.max(this.topOfKind(K.SCOPE), this.topOfKind(K.BUTTON)))
  }

  inTableScope(id: number): boolean {
    return this.#in(this.indexOfHtml(id), this.topOfKind(K.TABLE))
  }

  /** "has an element in scope" where the target is a particular element. */
  elementInScope(el: El<N>): boolean {
    return this.#in(el.index, this.topOfKind(K.SCOPE))
  }

  #in(target: number, boundary: number): boolean {
    // The walk from the current node meets the target first when the target is at or above the
    // topmost boundary (a boundary that is the target itself counts as the target).
    return target >= 0 && target >= boundary
  }
}

function removeFromSorted<N>(list: El<N>[], el: El<N>): void {
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i] === el) {
      list.splice(i, 1)
      return
    }
  }
}

function insertSorted<N>(list: El<N>[], el: El<N>): void {
  let i = list.length
  while (i > 0 && list[i - 1]!.index > el.index) i--
  list.splice(i, 0, el)
}

function replaceIn<N>(list: El<N>[], old: El<N>, el: El<N>): void {
  for (let i = list.length - 1; i >= 0; i--) {
    if (list[i] === old) {
      list[i] = el
      return
    }
  }
}
