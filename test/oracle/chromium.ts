/**
 * The browser as the oracle: Debian's headless chromium, driven over raw CDP on a pipe, parses each
 * document exactly as it parses a page from the network, and tells which elements are live.
 *
 * Each document is served by request interception at a fake URL (`http://oracle.test/…`, never a
 * socket) with `Content-Security-Policy: default-src 'none'`: scripting stays enabled for the parser
 * (`<noscript>` is raw text, as in tagwarden) but no script runs — nothing can change the tree the
 * parser built — and every other request the page makes is failed here, so nothing is fetched.
 * After the load event the DOM is read with `DOM.getDocument({depth: -1, pierce: true})` and flattened
 * to the live elements: the document's, and those of its declarative shadow roots, open and closed.
 * Template contents are inert and left out; so are other documents (an iframe's contentDocument),
 * except an `<iframe srcdoc>` document, which is kept beside its iframe: tagwarden judges srcdoc
 * documents under the same policy, so both sides compare them (see `references.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CdpError, CdpPipe, type CdpResult } from './cdp.js'

export const CHROMIUM = process.env.TW_CHROMIUM ?? '/usr/bin/chromium'

/** The flags this machine needs (root in a container, no GPU), and no traffic of the browser's own. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--mute-audio',
  // Every tab but one is in the background: no throttling of their renderers.
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-ipc-flooding-protection',
  '--remote-debugging-pipe',
]

const HTML = 'http://www.w3.org/1999/xhtml'
const SVG = 'http://www.w3.org/2000/svg'
const MATHML = 'http://www.w3.org/1998/Math/MathML'
const XLINK = 'http://www.w3.org/1999/xlink'
const XML = 'http://www.w3.org/XML/1998/namespace'
const XMLNS = 'http://www.w3.org/2000/xmlns/'

/**
 * HTML §13.2.6.1 "adjust foreign attributes": on SVG and MathML elements these names are namespaced.
 * CDP gives an attribute's qualified name only; this table gives back its namespace, as parse5 has it.
 */
const FOREIGN_ATTRIBUTES: Record<string, { prefix: string; name: string; namespace: string }> = {
  'xlink:actuate': { prefix: 'xlink', name: 'actuate', namespace: XLINK },
  'xlink:arcrole': { prefix: 'xlink', name: 'arcrole', namespace: XLINK },
  'xlink:href': { prefix: 'xlink', name: 'href', namespace: XLINK },
  'xlink:role': { prefix: 'xlink', name: 'role', namespace: XLINK },
  'xlink:show': { prefix: 'xlink', name: 'show', namespace: XLINK },
  'xlink:title': { prefix: 'xlink', name: 'title', namespace: XLINK },
  'xlink:type': { prefix: 'xlink', name: 'type', namespace: XLINK },
  'xml:lang': { prefix: 'xml', name: 'lang', namespace: XML },
  'xml:space': { prefix: 'xml', name: 'space', namespace: XML },
  xmlns: { prefix: '', name: 'xmlns', namespace: XMLNS },
  'xmlns:xlink': { prefix: 'xmlns', name: 'xlink', namespace: XMLNS },
}

/** An attribute as parse5's tokens carry it (`namespace` only on adjusted foreign attributes). */
export interface OracleAttribute {
  name: string
  value: string
  namespace?: string
  prefix?: string
}

/** One live element of the browser's DOM. */
export interface OracleElement {
  readonly namespaceURI: string
  readonly tagName: string
  readonly attrs: OracleAttribute[]
  /** The parent element's local name (`<picture><source>`); null under a document or shadow root. */
  readonly parentTagName: string | null
  /** Where it lives: the document, or a declarative shadow root. */
  readonly tree: 'document' | 'open' | 'closed'
  /** The element's own child text, for `<script>` and `<style>` (inline code is judged by its text). */
  text: string | null
  /** The live elements of an `<iframe srcdoc>` document, or null. */
  srcdoc: OracleElement[] | null
}

export interface ChromiumOptions {
  /** Pages loading in parallel. Default 4. */
  tabs?: number
  /**
   * Documents per navigation: each is its own response, loaded into an `<iframe src>` of one batch
   * page (a top-level navigation costs the browser process ~3x a frame's). 1 navigates each document
   * as the top-level page instead. Default 16.
   */
  batch?: number
  /** A batch's budget, from navigation to DOM read, in ms, plus `timeoutMs / 4` per document. Default 60000: a loaded 2-core host (the suite runs beside it) can take many seconds for a batch. */
  timeoutMs?: number
}

export class OracleError extends Error {
  override name = 'OracleError'
}

interface Job {
  html: string
  body: string
  resolve: (elements: OracleElement[]) => void
  reject: (error: Error) => void
  /** Failed in a batch already: retried alone, at the top level. */
  alone: boolean
}

interface Tab {
  targetId: string
  sessionId: string
  /** Responses this tab serves next, each once, by URL. */
  serving: Map<string, { body: string; csp: string }>
  loaded: Set<string>
  onLoad: ((loaderId: string) => void) | null
  crashed: boolean
}

const ORIGIN = 'http://oracle.test'
/**
 * Each document's own policy: no script runs, nothing loads. Its frames may navigate: their requests
 * reach the interception and are answered 204 (nothing is fetched), which costs the browser a third
 * of what a frame blocked by CSP costs (an error page).
 */
const DOCUMENT_CSP = "default-src 'none'; frame-src *"
/**
 * The batch page frames its documents. Its frame-src governs every navigation of those frames, a
 * document's own `<meta http-equiv=refresh>` too: allowed, so it reaches the interception (and is
 * answered 204) rather than being blocked into an error page that replaces the document.
 */
const BATCH_CSP = "default-src 'none'; frame-src *"
/** Bytes per batch: big real pages go a few at a time. */
const BATCH_BYTES = 2 << 20

let urlCounter = 0

export class Chromium {
  /** The browser's own product string, e.g. `Chrome/156.0.8078.114`. */
  readonly version: string
  /** Documents parsed; batches thrown away after a timeout or a crash (for the reports). */
  readonly stats = { documents: 0, navigations: 0, failedBatches: 0, failures: [] as string[] }
  readonly #child: ChildProcess
  readonly #cdp: CdpPipe
  readonly #timeoutMs: number
  readonly #batch: number
  readonly #idle: Tab[] = []
  readonly #queue: Job[] = []
  readonly #bySession = new Map<string, Tab>()
  readonly #exited: Promise<void>
  readonly #unhook: () => void
  #pumpScheduled = false
  #closing = false

  private constructor(
    child: ChildProcess,
    cdp: CdpPipe,
    version: string,
    options: ChromiumOptions,
    exited: Promise<void>,
    unhook: () => void,
  ) {
    this.#child = child
    this.#cdp = cdp
    this.version = version
    this.#timeoutMs = options.timeoutMs ?? 60_000
    this.#batch = Math.max(1, options.batch ?? 16)
    this.#exited = exited
    this.#unhook = unhook
    cdp.on('Fetch.requestPaused', (params, sessionId) => this.#requestPaused(params, sessionId))
    cdp.on('Page.lifecycleEvent', (params, sessionId) => {
      const tab = sessionId === undefined ? undefined : this.#bySession.get(sessionId)
      // The top-level page's load event: it waits for every frame's.
      if (tab === undefined || params.name !== 'load' || params.frameId !== tab.targetId) return
      tab.loaded.add(params.loaderId)
      tab.onLoad?.(params.loaderId)
    })
    const crashed = (_: unknown, sessionId: string | undefined) => {
      const tab = sessionId === undefined ? undefined : this.#bySession.get(sessionId)
      if (tab === undefined) return
      tab.crashed = true
      tab.onLoad?.('')
    }
    cdp.on('Inspector.targetCrashed', crashed)
    cdp.on('Inspector.detached', crashed)
  }

  /** Start the browser and open `tabs` pages. Rejects (never skips) when chromium is not installed. */
  static async launch(options: ChromiumOptions = {}): Promise<Chromium> {
    if (!existsSync(CHROMIUM))
      throw new OracleError(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`)
    const profile = mkdtempSync(join(tmpdir(), 'tagwarden-oracle-'))
    const child = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
    const cdp = new CdpPipe(child)
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        cdp.close(new OracleError(`chromium exited (${signal ?? code}): ${stderr.slice(-1000)}`))
        // The browser's helpers may still be writing into the profile: retried, never thrown.
        try {
          rmSync(profile, { recursive: true, force: true, maxRetries: 5 })
        } catch {
          // A profile left in the temporary directory is harmless.
        }
        resolve()
      }),
    )
    child.once('error', (error) => cdp.close(new OracleError(`chromium did not start: ${error.message}`)))
    // The browser must never outlive this process (a failed test, a ^C): kill it on the way out. (It
    // also exits by itself when its end of the pipe closes.)
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
    const onSignal = (signal: NodeJS.Signals) => {
      kill()
      unhook()
      process.kill(process.pid, signal)
    }
    process.once('exit', kill)
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const unhook = () => {
      process.off('exit', kill)
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
    try {
      const { product } = await withTimeout(cdp.send('Browser.getVersion'), 30_000, 'Browser.getVersion')
      const browser = new Chromium(child, cdp, product, options, exited, unhook)
      const tabs = await Promise.all(Array.from({ length: options.tabs ?? 4 }, () => browser.#openTab()))
      browser.#idle.push(...tabs)
      return browser
    } catch (error) {
      kill()
      unhook()
      await exited
      throw error
    }
  }

  /**
   * The live elements of `html` as the browser parses it (served as UTF-8 at a fresh URL). Calls made
   * together are loaded together, up to `batch` per navigation.
   */
  parse(html: string): Promise<OracleElement[]> {
    if (this.#closing) return Promise.reject(new OracleError('the browser is closed'))
    return new Promise((resolve, reject) => {
      this.#queue.push({
        html,
        body: Buffer.from(html, 'utf8').toString('base64'),
        resolve,
        reject,
        alone: false,
      })
      this.#schedulePump()
    })
  }

  /** Close the browser (Browser.close, then SIGKILL if it lingers) and remove its profile. */
  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true
      this.#unhook()
      for (const job of this.#queue.splice(0)) job.reject(new OracleError('the browser is closed'))
      if (this.#child.exitCode === null && this.#child.signalCode === null) {
        this.#cdp.send('Browser.close').catch(() => {})
        const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5_000)
        await this.#exited
        clearTimeout(timer)
      }
    }
    await this.#exited
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return
    this.#pumpScheduled = true
    // After the current turn: documents asked for together go into one batch.
    setImmediate(() => {
      this.#pumpScheduled = false
      this.#pump()
    })
  }

  #pump(): void {
    while (!this.#closing && this.#queue.length > 0 && this.#idle.length > 0) {
      const tab = this.#idle.pop()!
      const jobs: Job[] = []
      if (this.#queue[0]!.alone) jobs.push(this.#queue.shift()!)
      else {
        let bytes = 0
        while (jobs.length < this.#batch && this.#queue.length > 0 && !this.#queue[0]!.alone) {
          const next = this.#queue[0]!
          if (jobs.length > 0 && bytes + next.body.length > BATCH_BYTES) break
          bytes += next.body.length
          jobs.push(this.#queue.shift()!)
        }
      }
      void this.#run(tab, jobs)
    }
  }

  async #run(tab: Tab, jobs: Job[]): Promise<void> {
    const topLevel = jobs.length === 1 && (this.#batch === 1 || jobs[0]!.alone)
    try {
      const results = await this.#load(tab, jobs, topLevel)
      this.stats.documents += jobs.length
      jobs.forEach((job, i) => job.resolve(results[i]!))
      this.#idle.push(tab)
    } catch (error) {
      if (this.#closing) {
        for (const job of jobs) job.reject(error as Error)
        return
      }
      // A timed-out or crashed page is thrown away and replaced; each of its documents is tried once
      // more, alone; a document that fails alone fails.
      this.stats.failedBatches++
      this.stats.failures.push((error as Error).message)
      for (const job of jobs) {
        if (job.alone) job.reject(error as Error)
        else {
          job.alone = true
          this.#queue.unshift(job)
        }
      }
      try {
        this.#idle.push(await this.#replace(tab))
      } catch (replaceError) {
        for (const job of this.#queue.splice(0)) job.reject(replaceError as Error)
        return
      }
    }
    this.#schedulePump()
  }

  async #openTab(): Promise<Tab> {
    const { targetId } = await this.#cdp.send('Target.createTarget', { url: 'about:blank' })
    const { sessionId } = await this.#cdp.send('Target.attachToTarget', { targetId, flatten: true })
    const tab: Tab = {
      targetId,
      sessionId,
      serving: new Map(),
      loaded: new Set(),
      onLoad: null,
      crashed: false,
    }
    this.#bySession.set(sessionId, tab)
    const send = (method: string, params = {}) => this.#cdp.send(method, params, sessionId)
    await Promise.all([
      send('Inspector.enable'),
      send('Page.enable'),
      send('Page.setLifecycleEventsEnabled', { enabled: true }),
      send('DOM.enable', { includeWhitespace: 'all' }),
      send('Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Request' }] }),
    ])
    return tab
  }

  async #replace(tab: Tab): Promise<Tab> {
    this.#bySession.delete(tab.sessionId)
    await this.#cdp.send('Target.closeTarget', { targetId: tab.targetId }).catch(() => {})
    return this.#openTab()
  }

  async #load(tab: Tab, jobs: Job[], topLevel: boolean): Promise<OracleElement[][]> {
    tab.serving.clear()
    tab.loaded.clear()
    const urls = jobs.map((job) => {
      const url = `${ORIGIN}/${++urlCounter}`
      tab.serving.set(url, { body: job.body, csp: DOCUMENT_CSP })
      return url
    })
    let url = urls[0]!
    if (!topLevel) {
      url = `${ORIGIN}/batch/${++urlCounter}`
      const frames = urls.map((u) => `<iframe src="${u}" width="8" height="8"></iframe>`).join('')
      tab.serving.set(url, {
        body: Buffer.from(`<!DOCTYPE html><body>${frames}</body>`).toString('base64'),
        csp: BATCH_CSP,
      })
    }
    this.stats.navigations++
    const work = (async () => {
      const send = (method: string, params = {}) => this.#cdp.send(method, params, tab.sessionId)
      const nav = await send('Page.navigate', { url })
      if (nav.errorText) throw new OracleError(`navigation failed: ${nav.errorText}`)
      if (!tab.loaded.has(nav.loaderId)) {
        await new Promise<void>((resolve, reject) => {
          tab.onLoad = (loaderId) => {
            if (tab.crashed) reject(new OracleError('the page crashed'))
            else if (loaderId === nav.loaderId) resolve()
          }
        })
      }
      tab.onLoad = null
      const { root } = await send('DOM.getDocument', { depth: -1, pierce: true })
      if (topLevel) return [await this.#flatten(tab, root)]
      const frames = findFrames(root)
      return Promise.all(
        urls.map((u) => {
          const doc = frames.get(u)
          if (doc === undefined) throw new OracleError(`the frame of ${u} holds no document`)
          return this.#flatten(tab, doc)
        }),
      )
    })()
    try {
      return await withTimeout(work, this.#timeoutMs + (jobs.length * this.#timeoutMs) / 4, `load of ${url}`)
    } finally {
      tab.onLoad = null
      tab.serving.clear()
    }
  }

  /**
   * Serve each document, once, to its own navigation; answer every other request without the network
   * (subresources the CSP let through, a `<meta http-equiv=refresh>`, a second request for a URL).
   */
  #requestPaused(params: CdpResult, sessionId: string | undefined): void {
    const tab = sessionId === undefined ? undefined : this.#bySession.get(sessionId)
    const send = (method: string, p: Record<string, unknown>) =>
      this.#cdp.send(method, { requestId: params.requestId, ...p }, sessionId).catch(() => {})
    const response = params.resourceType === 'Document' ? tab?.serving.get(params.request.url) : undefined
    if (response !== undefined) {
      tab!.serving.delete(params.request.url)
      void send('Fetch.fulfillRequest', {
        responseCode: 200,
        responseHeaders: [
          { name: 'Content-Type', value: 'text/html; charset=utf-8' },
          { name: 'Content-Security-Policy', value: response.csp },
          { name: 'Cache-Control', value: 'no-store' },
        ],
        body: response.body,
      })
      return
    }
    // A navigation answered 204 No Content does not navigate (HTML §7.4.2.3.3 "process a navigate
    // fetch"): the frame keeps its document (a failed one would commit an error page over it).
    if (params.resourceType === 'Document') void send('Fetch.fulfillRequest', { responseCode: 204 })
    else void send('Fetch.failRequest', { errorReason: 'BlockedByClient' })
  }

  async #flatten(tab: Tab, root: CdpNode): Promise<OracleElement[]> {
    const out: OracleElement[] = []
    const longText: { element: OracleElement; node: CdpNode }[] = []
    walk(root, null, 'document', out, longText)
    // CDP shortens long text node values (an ellipsis after 10,000 characters): read those in full.
    for (const { element, node } of longText) element.text = await this.#childText(tab, node)
    return out
  }

  async #childText(tab: Tab, node: CdpNode): Promise<string> {
    const send = (method: string, params = {}) => this.#cdp.send(method, params, tab.sessionId)
    const { object } = await send('DOM.resolveNode', { backendNodeId: node.backendNodeId })
    // Runtime calls from the protocol are not subject to the page's CSP.
    const { result } = await send('Runtime.callFunctionOn', {
      objectId: object.objectId,
      functionDeclaration:
        'function () { let s = ""; for (const n of this.childNodes) if (n.nodeType === 3) s += n.data; return s }',
      returnByValue: true,
    })
    await send('Runtime.releaseObject', { objectId: object.objectId })
    return result.value as string
  }
}

/** The batch page's frames: each document by the URL it was served at. */
function findFrames(root: CdpNode): Map<string, CdpNode> {
  const frames = new Map<string, CdpNode>()
  const visit = (node: CdpNode) => {
    for (const child of node.children ?? []) {
      const doc = child.contentDocument
      if (child.localName === 'iframe' && doc?.documentURL !== undefined) frames.set(doc.documentURL, doc)
      else visit(child)
    }
  }
  visit(root)
  return frames
}

/** The fields of a CDP `DOM.Node` this file reads. */
interface CdpNode {
  nodeType: number
  nodeName: string
  localName: string
  nodeValue: string
  backendNodeId: number
  isSVG?: boolean
  attributes?: string[]
  children?: CdpNode[]
  shadowRoots?: CdpNode[]
  shadowRootType?: 'user-agent' | 'open' | 'closed'
  contentDocument?: CdpNode
  documentURL?: string
}

const TEXT_LIMIT = 10_000

function walk(
  parent: CdpNode,
  parentTagName: string | null,
  tree: OracleElement['tree'],
  out: OracleElement[],
  longText: { element: OracleElement; node: CdpNode }[],
): void {
  for (const node of parent.children ?? []) {
    if (node.nodeType !== 1) continue
    const namespaceURI = namespaceOf(node)
    const attrs: OracleAttribute[] = []
    const flat = node.attributes ?? []
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i]!
      const value = flat[i + 1]!
      const foreign = namespaceURI === HTML ? undefined : FOREIGN_ATTRIBUTES[name]
      attrs.push(foreign === undefined ? { name, value } : { ...foreign, value })
    }
    const element: OracleElement = {
      namespaceURI,
      tagName: node.localName,
      attrs,
      parentTagName,
      tree,
      text: null,
      srcdoc: null,
    }
    out.push(element)
    if (node.localName === 'script' || node.localName === 'style') {
      let text = ''
      for (const child of node.children ?? []) if (child.nodeType === 3) text += child.nodeValue
      element.text = text
      if ((node.children ?? []).some((c) => c.nodeType === 3 && c.nodeValue.length > TEXT_LIMIT))
        longText.push({ element, node })
    }
    // User-agent shadow roots (a <select>'s, an <input>'s) are the browser's own, not the page's.
    for (const shadow of node.shadowRoots ?? []) {
      if (shadow.shadowRootType === 'open' || shadow.shadowRootType === 'closed')
        walk(shadow, null, shadow.shadowRootType, out, longText)
    }
    // An <iframe srcdoc> document; a src document (blocked here anyway) is another document, left out.
    const doc = node.contentDocument
    if (
      namespaceURI === HTML &&
      node.localName === 'iframe' &&
      attrs.some((a) => a.name === 'srcdoc') &&
      doc?.documentURL === 'about:srcdoc'
    ) {
      element.srcdoc = []
      walk(doc, null, 'document', element.srcdoc, longText)
    }
    // node.templateContent is inert (HTML §4.12.3), never walked.
    walk(node, node.localName, tree, out, longText)
  }
}

/**
 * CDP gives no namespace URI. In an HTML document an HTML element's nodeName is its upper-cased local
 * name (DOM §4.9 "HTML-uppercased qualified name"); a foreign element's nodeName is its local name as
 * is. `isSVG` then tells SVG from MathML (the parser creates elements in no other namespace).
 */
function namespaceOf(node: CdpNode): string {
  if (node.nodeName !== node.localName) return HTML
  return node.isSVG === true ? SVG : MATHML
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OracleError(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export { CdpError }
