import { z } from "zod";
import { closest } from "./primitives";

/**
 * Azure region names (the `name` of `az account list-locations`) where a
 * resource group and storage account can be placed. Source: the public,
 * sovereign and government cloud locations of Azure.Core's AzureLocation
 * (Azure/azure-sdk-for-net sdk/core/Azure.Core/src/AzureLocation.cs, commit
 * 8802eec), plus regions opened since, as Microsoft Learn lists them
 * (learn.microsoft.com/azure/reliability/availability-zones-region-support:
 * newzealandnorth; learn.microsoft.com/fabric/admin/region-availability:
 * austriaeast, belgiumcentral, chilecentral, denmarkeast, indonesiacentral,
 * malaysiawest, taiwannorth, taiwannorthwest; jioindiawest, jioindiacentral).
 * A region Azure opens later must be added here.
 */
export const AZURE_REGIONS = [
  "eastasia", "southeastasia", "centralus", "eastus", "eastus2", "westus", "westus2", "westus3", "northcentralus",
  "southcentralus", "westcentralus", "northeurope", "westeurope", "japanwest", "japaneast", "brazilsouth",
  "brazilsoutheast", "australiaeast", "australiasoutheast", "australiacentral", "australiacentral2", "southindia",
  "centralindia", "westindia", "jioindiawest", "jioindiacentral", "canadacentral", "canadaeast", "uksouth", "ukwest",
  "koreacentral", "koreasouth", "francecentral", "francesouth", "uaecentral", "uaenorth", "southafricanorth",
  "southafricawest", "swedencentral", "swedensouth", "switzerlandnorth", "switzerlandwest", "germanynorth",
  "germanywestcentral", "germanycentral", "germanynortheast", "norwaywest", "norwayeast", "qatarcentral",
  "israelcentral", "italynorth", "polandcentral", "mexicocentral", "spaincentral", "newzealandnorth", "austriaeast",
  "belgiumcentral", "chilecentral", "denmarkeast", "indonesiacentral", "malaysiawest", "taiwannorth", "taiwannorthwest",
  "chinanorth", "chinaeast", "chinanorth2", "chinanorth3", "chinaeast2", "chinaeast3", "usdodcentral", "usdodeast",
  "usgovarizona", "usgovtexas", "usgovvirginia", "usgoviowa",
] as const;

/** An Azure region name; a near miss ("westeuropa", "West Europe") gets the name it probably meant. */
export function azureRegion() {
  return z
    .string({ error: (issue) => (issue.input === undefined ? "is required (an Azure region name such as westeurope); or set azure-native:location" : "must be a string (an Azure region name such as westeurope)") })
    .refine((v) => (AZURE_REGIONS as readonly string[]).includes(v), {
      error: (issue) => {
        const input = String(issue.input);
        const near = closest(input.replace(/\s+/g, ""), AZURE_REGIONS);
        return `${JSON.stringify(input)} is not an Azure region name (lowercase, no spaces, as \`az account list-locations\` prints it)${near ? `; did you mean ${near}?` : ""}`;
      },
    });
}
