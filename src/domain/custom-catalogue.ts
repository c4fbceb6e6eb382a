import type { z } from 'zod';
import { CustomCatalogueSchema, type CustomCatalogue } from '../contracts/custom-catalogue.js';
import type { CatalogueData, PlanRule, ServicePlan, Sku } from './catalogue.js';
import { AppError, type ErrorDetail } from './errors.js';
import { isUsageLocation } from '../contracts/usage-location.js';

/** Detail codes of a rejected custom catalogue (`error.details[].code`). */
export type CustomCatalogueProblem =
  | 'invalidValue'
  | 'duplicateSkuId'
  | 'duplicateSkuPartNumber'
  | 'duplicateServicePlanId'
  | 'duplicateServicePlanName'
  | 'duplicateRuleId'
  | 'repeatedServicePlan'
  | 'conflictsWithMicrosoft'
  | 'unknownServicePlan'
  | 'ruleTooFewPlans'
  | 'ruleWithoutPrerequisites'
  | 'ruleRequiresItself'
  | 'productBreaksRule'
  | 'invalidUsageLocation'
  | 'retentionWithoutData';

/**
 * Checks a tenant's custom catalogue file (see contracts/custom-catalogue.ts) against itself and
 * against Microsoft's catalogue, and converts it to catalogue entries (origin 'custom').
 *
 * Throws `AppError('invalidRequest')` listing every problem in `details`, each with a `target`
 * such as `products[2].servicePlans[0]` and a message that names the product or plan and says
 * how to fix it.
 */
export function validateCustomCatalogue(input: unknown, microsoft: CatalogueData): { data: CatalogueData } {
  const parsed = CustomCatalogueSchema.safeParse(input);
  if (!parsed.success) {
    throw rejection(parsed.error.issues.map(describeIssue));
  }
  const file = parsed.data;
  const problems = new Checker(file, microsoft).run();
  if (problems.length > 0) {
    throw rejection(problems);
  }
  return { data: toCatalogueData(file) };
}

function rejection(details: ErrorDetail[]): AppError {
  const first = details[0];
  const count = details.length === 1 ? '1 problem' : `${details.length} problems`;
  const summary = first === undefined ? '' : ` First: ${first.message}`;
  return new AppError('invalidRequest', `The custom catalogue was rejected (${count}).${summary}`, details);
}

class Checker {
  private readonly details: ErrorDetail[] = [];
  private readonly filePlans = new Map<string, CustomCatalogue['servicePlans'][number]>();
  private readonly microsoftPlans: Map<string, ServicePlan>;

  constructor(
    private readonly file: CustomCatalogue,
    private readonly microsoft: CatalogueData,
  ) {
    this.microsoftPlans = new Map(microsoft.plans.map((plan) => [plan.servicePlanId, plan]));
    for (const plan of file.servicePlans) {
      if (!this.filePlans.has(plan.servicePlanId)) {
        this.filePlans.set(plan.servicePlanId, plan);
      }
    }
  }

  run(): ErrorDetail[] {
    this.checkServicePlans();
    this.checkProducts();
    this.checkRules();
    this.checkProductsAgainstRules();
    return this.details;
  }

  private add(code: CustomCatalogueProblem, target: string, message: string): void {
    this.details.push({ code, target, message });
  }

  private isKnownPlan(planId: string): boolean {
    return this.filePlans.has(planId) || this.microsoftPlans.has(planId);
  }

  /** FLEET_STANDARD ("Fleet tracking (Standard)"), Microsoft's EXCHANGE_S_STANDARD, or the bare GUID. */
  private planLabel(planId: string): string {
    const own = this.filePlans.get(planId);
    if (own !== undefined) {
      return `${own.servicePlanName} ("${own.friendlyName}")`;
    }
    const theirs = this.microsoftPlans.get(planId);
    return theirs === undefined ? `service plan ${planId}` : `Microsoft's ${theirs.servicePlanName} ("${theirs.friendlyName}")`;
  }

  private checkServicePlans(): void {
    const ids = new Map<string, number>();
    const names = new Map<string, number>();
    this.file.servicePlans.forEach((plan, index) => {
      const at = `servicePlans[${index}]`;
      const label = `Plan ${plan.servicePlanName}`;
      const sameId = ids.get(plan.servicePlanId);
      if (sameId === undefined) {
        ids.set(plan.servicePlanId, index);
      } else {
        const other = this.file.servicePlans[sameId];
        this.add('duplicateServicePlanId', `${at}.servicePlanId`, `${label} has the same servicePlanId ${plan.servicePlanId} as plan ${other?.servicePlanName} (servicePlans[${sameId}]). Give each plan its own GUID.`);
      }
      const nameKey = plan.servicePlanName.toLowerCase();
      const sameName = names.get(nameKey);
      if (sameName === undefined) {
        names.set(nameKey, index);
      } else {
        this.add('duplicateServicePlanName', `${at}.servicePlanName`, `${label} is defined twice (also servicePlans[${sameName}]). Rename one of them or merge the two entries.`);
      }
      const theirs = this.microsoftPlans.get(plan.servicePlanId);
      if (theirs !== undefined) {
        this.add(
          'conflictsWithMicrosoft',
          `${at}.servicePlanId`,
          `${label} uses servicePlanId ${plan.servicePlanId}, which is Microsoft's plan ${theirs.servicePlanName} ("${theirs.friendlyName}"). To include Microsoft's plan in a product, list its GUID in the product's servicePlans without defining it here; otherwise generate a new GUID.`,
        );
      }
      (plan.prohibitedUsageLocations ?? []).forEach((code, position) => {
        if (!isUsageLocation(code)) {
          const hint = isUsageLocation(code.trim().toUpperCase())
            ? `Write it in upper case: "${code.trim().toUpperCase()}".`
            : 'Use a two-letter ISO 3166-1 country code such as "US", "DE" or "JP".';
          this.add('invalidUsageLocation', `${at}.prohibitedUsageLocations[${position}]`, `${label} lists usage location "${code}", which is not an ISO 3166-1 alpha-2 country code. ${hint}`);
        }
      });
      if (plan.dataRetentionDays !== undefined && (plan.dataClass ?? 'none') === 'none') {
        this.add('retentionWithoutData', `${at}.dataRetentionDays`, `${label} sets dataRetentionDays but keeps no data (dataClass "none"). Set dataClass to "mailbox" or "files", or remove dataRetentionDays.`);
      }
    });
  }

  private checkProducts(): void {
    const microsoftSkus = new Map(this.microsoft.skus.map((sku) => [sku.skuId, sku]));
    const microsoftPartNumbers = new Map(this.microsoft.skus.map((sku) => [sku.skuPartNumber.toLowerCase(), sku]));
    const ids = new Map<string, number>();
    const partNumbers = new Map<string, number>();
    this.file.products.forEach((product, index) => {
      const at = `products[${index}]`;
      const label = `Product "${product.displayName}" (${product.skuPartNumber})`;
      const sameId = ids.get(product.skuId);
      if (sameId === undefined) {
        ids.set(product.skuId, index);
      } else {
        this.add('duplicateSkuId', `${at}.skuId`, `${label} has the same skuId ${product.skuId} as product "${this.file.products[sameId]?.displayName}" (products[${sameId}]). Give each product its own GUID.`);
      }
      const partKey = product.skuPartNumber.toLowerCase();
      const samePart = partNumbers.get(partKey);
      if (samePart === undefined) {
        partNumbers.set(partKey, index);
      } else {
        this.add('duplicateSkuPartNumber', `${at}.skuPartNumber`, `${label} has the same skuPartNumber as product "${this.file.products[samePart]?.displayName}" (products[${samePart}]); part numbers must be unique (ignoring case). Rename one of them.`);
      }
      const theirSku = microsoftSkus.get(product.skuId);
      if (theirSku !== undefined) {
        this.add('conflictsWithMicrosoft', `${at}.skuId`, `${label} uses skuId ${product.skuId}, which is Microsoft's product "${theirSku.displayName}" (${theirSku.skuPartNumber}). Generate a new GUID for your product.`);
      }
      const theirPart = microsoftPartNumbers.get(partKey);
      if (theirPart !== undefined) {
        this.add(
          'conflictsWithMicrosoft',
          `${at}.skuPartNumber`,
          `${label} uses the skuPartNumber of Microsoft's product "${theirPart.displayName}" (${theirPart.skuPartNumber}). Choose another, e.g. prefixed with your organization's name.`,
        );
      }
      const seen = new Set<string>();
      product.servicePlans.forEach((planId, position) => {
        const target = `${at}.servicePlans[${position}]`;
        if (seen.has(planId)) {
          this.add('repeatedServicePlan', target, `${label} lists ${this.planLabel(planId)} more than once. Remove the repeated entry.`);
          return;
        }
        seen.add(planId);
        if (!this.isKnownPlan(planId)) {
          this.add('unknownServicePlan', target, `${label} includes service plan ${planId}, which is neither defined under servicePlans nor a Microsoft plan. Define it under servicePlans or correct the GUID.`);
        }
      });
    });
  }

  private checkRules(): void {
    const ruleIds = new Map<string, string>(this.microsoft.rules.map((rule) => [rule.ruleId, "one of Microsoft's rules"]));
    this.file.rules.forEach((rule, index) => {
      const at = `rules[${index}]`;
      if (rule.ruleId !== undefined) {
        const owner = ruleIds.get(rule.ruleId);
        if (owner !== undefined) {
          this.add('duplicateRuleId', `${at}.ruleId`, `Rule ${at} reuses ruleId ${rule.ruleId} of ${owner}. Give it a new GUID or leave ruleId out.`);
        } else {
          ruleIds.set(rule.ruleId, at);
        }
      }
      const unknown = (planId: string, target: string, role: string): boolean => {
        if (this.isKnownPlan(planId)) {
          return false;
        }
        this.add('unknownServicePlan', target, `Rule ${at} names ${role} ${planId}, which is neither defined under servicePlans nor a Microsoft plan. Define the plan or correct the GUID.`);
        return true;
      };
      if (rule.kind === 'mutuallyExclusive') {
        rule.planIds.forEach((planId, position) => unknown(planId, `${at}.planIds[${position}]`, 'service plan'));
        const distinct = [...new Set(rule.planIds)];
        if (distinct.length < 2) {
          const named = distinct.length === 0 ? 'no plan' : `only ${distinct.map((planId) => this.planLabel(planId)).join(', ')}`;
          this.add('ruleTooFewPlans', `${at}.planIds`, `Mutually exclusive rule ${at} names ${named}; it needs at least two different plans. Add the plans it conflicts with, or delete the rule.`);
        }
        return;
      }
      const subjectUnknown = unknown(rule.servicePlanId, `${at}.servicePlanId`, 'the dependent plan');
      const subject = subjectUnknown ? rule.servicePlanId : this.planLabel(rule.servicePlanId);
      if (rule.requiredPlanIds.length === 0) {
        this.add('ruleWithoutPrerequisites', `${at}.requiredPlanIds`, `Rule ${at} says ${subject} requires one of no plans. List at least one prerequisite plan in requiredPlanIds, or delete the rule.`);
      }
      rule.requiredPlanIds.forEach((planId, position) => {
        const target = `${at}.requiredPlanIds[${position}]`;
        if (planId === rule.servicePlanId) {
          this.add('ruleRequiresItself', target, `Rule ${at} makes ${subject} a prerequisite of itself. Remove it from requiredPlanIds.`);
        } else {
          unknown(planId, target, 'prerequisite plan');
        }
      });
    });
  }

  /** A product holding two mutually exclusive plans could never be assigned to anyone. */
  private checkProductsAgainstRules(): void {
    const rules = [
      ...this.microsoft.rules.map((rule) => ({ rule, name: "Microsoft's rule" })),
      ...this.file.rules.map((rule, index) => ({ rule, name: `rules[${index}]` })),
    ];
    this.file.products.forEach((product, index) => {
      const plans = new Set(product.servicePlans);
      for (const { rule, name } of rules) {
        if (rule.kind !== 'mutuallyExclusive') {
          continue;
        }
        const clash = [...new Set(rule.planIds)].filter((planId) => plans.has(planId));
        if (clash.length >= 2) {
          this.add(
            'productBreaksRule',
            `products[${index}].servicePlans`,
            `Product "${product.displayName}" (${product.skuPartNumber}) includes ${clash.map((planId) => this.planLabel(planId)).join(' and ')}, which ${name} makes mutually exclusive, so no one could be assigned the product. Put them in separate products or change the rule.`,
          );
        }
      }
    });
  }
}

function toCatalogueData(file: CustomCatalogue): CatalogueData {
  const skus: Sku[] = file.products.map((product) => ({
    skuId: product.skuId,
    skuPartNumber: product.skuPartNumber,
    displayName: product.displayName,
    appliesTo: product.appliesTo ?? 'User',
    servicePlanIds: [...new Set(product.servicePlans)],
    origin: 'custom',
  }));
  const plans: ServicePlan[] = file.servicePlans.map((plan) => ({
    servicePlanId: plan.servicePlanId,
    servicePlanName: plan.servicePlanName,
    friendlyName: plan.friendlyName,
    appliesTo: 'User',
    service: plan.service ?? plan.servicePlanName,
    dataClass: plan.dataClass ?? 'none',
    ...(plan.dataRetentionDays === undefined ? {} : { dataRetentionDays: plan.dataRetentionDays }),
    prohibitedUsageLocations: [...new Set(plan.prohibitedUsageLocations ?? [])],
  }));
  const rules: PlanRule[] = file.rules.map((rule) => {
    const description = rule.description === undefined ? {} : { description: rule.description };
    if (rule.kind === 'mutuallyExclusive') {
      const planIds = [...new Set(rule.planIds)];
      return { kind: 'mutuallyExclusive', ruleId: rule.ruleId ?? derivedRuleId(['x', ...[...planIds].sort()]), planIds, ...description };
    }
    const requiredPlanIds = [...new Set(rule.requiredPlanIds)];
    return {
      kind: 'requiresOneOf',
      ruleId: rule.ruleId ?? derivedRuleId(['r', rule.servicePlanId, ...[...requiredPlanIds].sort()]),
      servicePlanId: rule.servicePlanId,
      requiredPlanIds,
      ...description,
    };
  });
  return { skus, plans, rules };
}

/**
 * A GUID derived from the rule's content, so importing the same file twice yields the same id
 * (this module is pure: no random source). Four FNV-1a passes give 128 bits; the version nibble
 * is 8 (RFC 9562 "custom") and the variant is RFC 4122.
 */
function derivedRuleId(parts: readonly string[]): string {
  const text = parts.join('|');
  let hex = '';
  for (const seed of [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x7f4a7c15]) {
    let hash = seed >>> 0;
    for (let index = 0; index < text.length; index += 1) {
      hash ^= text.charCodeAt(index);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    hex += hash.toString(16).padStart(8, '0');
  }
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function describeIssue(issue: z.core.$ZodIssue): ErrorDetail {
  const target = formatPath(issue.path);
  const where = target === '' ? 'The file' : target;
  let message: string;
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    message = `${where} is missing; add it (${issue.expected}).`;
  } else if (issue.code === 'unrecognized_keys') {
    message = `${where} has unknown field(s) ${issue.keys.join(', ')}; remove them or fix the spelling.`;
  } else {
    // Messages written in the contract start in lower case ("must be a GUID…"); zod's own do not.
    const text = issue.message.replace(/\.$/, '');
    message = /^[a-z]/.test(text) ? `${where} ${text}.` : `${where}: ${text}.`;
  }
  return { code: 'invalidValue', target: target === '' ? '(root)' : target, message };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? String(key) : `${text}.${String(key)}`), '');
}
