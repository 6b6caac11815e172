// Renders badges with shields.io's own renderer, badge-maker, for pypins' golden files.
//
// Usage: node scripts/badge_maker.mjs NODE_MODULES < cases.json > svgs.json
//
// NODE_MODULES is a directory where `npm install badge-maker simple-icons` ran
// (scripts/badge_maker_golden.py makes one in a temporary directory). The input is a JSON
// array of cases: {label, message, color, labelColor, style, logo, namedLogo, logoColor,
// logoWidth, links}; the output is the JSON array of their SVG documents.
//
// badge-maker's internal makeBadge (lib/make-badge.js) is called rather than the public
// one because only it takes `logoWidth`, as the shields.io server does. Named logos are
// resolved as shields.io's server resolves Simple Icons (lib/logos.js and
// lib/load-simple-icons.js): the icon's SVG with a `fill` on its root, the brand colour by
// default, "whitesmoke" for dark brands (brightness <= 0.4) except in the social style,
// "#333" for light brands (brightness >= 0.6) in the social style, or `logoColor`.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const modules = process.argv[2]
const load = path => import(pathToFileURL(join(modules, path)).href)

const { default: makeBadge } = await load('badge-maker/lib/make-badge.js')
const { toSvgColor, brightness, normalizeColor } = await load('badge-maker/lib/color.js')
const simpleIcons = await load('simple-icons/index.mjs')

// Slugs, lower-case titles and titles with hyphens for spaces, as load-simple-icons.js.
const icons = {}
const all = Object.values(simpleIcons).filter(i => i && typeof i === 'object' && 'slug' in i)
for (const icon of all) icons[icon.slug] = icon
for (const icon of all) {
  const title = icon.title.toLowerCase()
  if (!(title in icons)) icons[title] = icon
  const legacy = title.replace(/ /g, '-')
  if (!(legacy in icons)) icons[legacy] = icon
}
// Renamed icons (lib/logos.js).
const aliases = {
  azuredevops: 'azure-devops',
  eclipse: 'eclipse-ide',
  'gitter-white': 'gitter',
  scrutinizer: 'scrutinizer-ci',
  stackoverflow: 'stack-overflow',
  tfs: 'azure-devops',
}

function svg2base64(svg) {
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
}

function namedLogo(name, color, style) {
  let key = name.toLowerCase()
  key = (aliases[key] ?? key).replace(/ /g, '-')
  const icon = icons[key]
  if (!icon) return undefined
  let fill = toSvgColor(color)
  if (!fill) {
    const light = brightness(normalizeColor(icon.hex))
    if (style !== 'social' && light <= 0.4) fill = 'whitesmoke'
    else if (style === 'social' && light >= 0.6) fill = '#333'
    else fill = `#${icon.hex}`
  }
  return svg2base64(icon.svg.replace('<svg', `<svg fill="${fill}"`))
}

const cases = JSON.parse(readFileSync(0, 'utf8'))
const svgs = cases.map(c => {
  const style = c.style || 'flat'
  const logo = c.logo || (c.namedLogo ? namedLogo(c.namedLogo, c.logoColor, style) : undefined)
  return makeBadge({
    format: 'svg',
    style,
    label: c.label ?? '',
    message: c.message,
    color: c.color,
    labelColor: c.labelColor,
    logo,
    logoWidth: c.logoWidth,
    links: c.links ?? ['', ''],
  })
})
process.stdout.write(JSON.stringify(svgs))
