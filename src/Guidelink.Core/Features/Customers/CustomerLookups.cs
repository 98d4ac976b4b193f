using Microsoft.EntityFrameworkCore;

namespace Guidelink.Core.Features.Customers;

/// <summary>Customers by a list of one identity (a batch's phone hashes, union ids or external user ids), each answered by
/// that identity's unique index. The column is tested IS NOT NULL first: for a Contains on a nullable column EF Core adds
/// "OR (column IS NULL AND array_position(@list, NULL) IS NOT NULL)", and with that OR PostgreSQL cannot use the index and
/// reads every customer of the brand (3 ms a touch batch at 30,000 customers, growing with the brand). The list goes as
/// one array parameter (json_each on SQLite, = ANY on PostgreSQL), not one parameter per value.</summary>
public static class CustomerLookups
{
    public static IQueryable<Customer> WithPhoneHashIn(this IQueryable<Customer> customers, IReadOnlyCollection<string> hashes) =>
        customers.Where(c => c.PhoneHash != null && EF.Parameter(hashes).Contains(c.PhoneHash));

    public static IQueryable<Customer> WithUnionIdIn(this IQueryable<Customer> customers, IReadOnlyCollection<string> unionIds) =>
        customers.Where(c => c.UnionId != null && EF.Parameter(unionIds).Contains(c.UnionId));

    public static IQueryable<Customer> WithExternalUserIdIn(this IQueryable<Customer> customers, IReadOnlyCollection<string> externalIds) =>
        customers.Where(c => c.ExternalUserId != null && EF.Parameter(externalIds).Contains(c.ExternalUserId));
}
