using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Guidelink.Migrations.Postgres.Migrations
{
    /// <summary>No foreign keys inside an aggregate (docs/decisions/0009): commission lines and order lines to their order,
    /// ledger entries to their posting; and no ledger indexes that no query used. The order-line key is dropped here by
    /// hand: the model keeps that relationship (Include, tracking), so EF would not drop it.</summary>
    public partial class KeysInsideAggregates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_OrderLines_Orders_TenantId_OrderId",
                table: "OrderLines");

            migrationBuilder.DropForeignKey(
                name: "FK_CommissionLines_Orders_TenantId_OrderId",
                table: "CommissionLines");

            migrationBuilder.DropForeignKey(
                name: "FK_LedgerEntries_LedgerPostings_TenantId_PostingId",
                table: "LedgerEntries");

            migrationBuilder.DropIndex(
                name: "IX_LedgerEntries_TenantId_Holder_Bucket",
                table: "LedgerEntries");

            migrationBuilder.DropIndex(
                name: "IX_LedgerEntries_TenantId_OrderId",
                table: "LedgerEntries");

            migrationBuilder.DropIndex(
                name: "IX_LedgerEntries_TenantId_PostingId",
                table: "LedgerEntries");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddForeignKey(
                name: "FK_OrderLines_Orders_TenantId_OrderId",
                table: "OrderLines",
                columns: new[] { "TenantId", "OrderId" },
                principalTable: "Orders",
                principalColumns: new[] { "TenantId", "Id" },
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_TenantId_Holder_Bucket",
                table: "LedgerEntries",
                columns: new[] { "TenantId", "Holder", "Bucket" });

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_TenantId_OrderId",
                table: "LedgerEntries",
                columns: new[] { "TenantId", "OrderId" });

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_TenantId_PostingId",
                table: "LedgerEntries",
                columns: new[] { "TenantId", "PostingId" });

            migrationBuilder.AddForeignKey(
                name: "FK_CommissionLines_Orders_TenantId_OrderId",
                table: "CommissionLines",
                columns: new[] { "TenantId", "OrderId" },
                principalTable: "Orders",
                principalColumns: new[] { "TenantId", "Id" },
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_LedgerEntries_LedgerPostings_TenantId_PostingId",
                table: "LedgerEntries",
                columns: new[] { "TenantId", "PostingId" },
                principalTable: "LedgerPostings",
                principalColumns: new[] { "TenantId", "Id" },
                onDelete: ReferentialAction.Restrict);
        }
    }
}
