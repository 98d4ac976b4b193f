using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Guidelink.Migrations.Sqlite.Migrations
{
    /// <summary>No foreign keys inside an aggregate (docs/decisions/0009): commission lines and order lines to their order,
    /// ledger entries to their posting; and no ledger indexes that no query used. SQLite cannot drop a constraint, so the
    /// tables are rebuilt; EF rebuilds CommissionLines and LedgerEntries from the model, and OrderLines is rebuilt here by
    /// hand: the model keeps that relationship (Include, tracking), so EF's rebuild would keep the key.</summary>
    public partial class KeysInsideAggregates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            RebuildOrderLines(migrationBuilder, withKeyToOrders: false);

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
            RebuildOrderLines(migrationBuilder, withKeyToOrders: true);

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

        /// <summary>The columns and key of OrderLines as the Activate migration made them (no column was added since); no
        /// table refers to OrderLines, so it can be dropped and renamed inside the migration's transaction.</summary>
        private static void RebuildOrderLines(MigrationBuilder migrationBuilder, bool withKeyToOrders)
        {
            var key = withKeyToOrders
                ? ",\n    CONSTRAINT \"FK_OrderLines_Orders_TenantId_OrderId\" FOREIGN KEY (\"TenantId\", \"OrderId\") REFERENCES \"Orders\" (\"TenantId\", \"Id\") ON DELETE CASCADE"
                : "";
            migrationBuilder.Sql($"""
                CREATE TABLE "ef_temp_OrderLines" (
                    "TenantId" TEXT NOT NULL,
                    "OrderId" TEXT NOT NULL,
                    "LineNo" INTEGER NOT NULL,
                    "Sku" TEXT NOT NULL,
                    "Name" TEXT NOT NULL,
                    "Category" TEXT NOT NULL,
                    "Quantity" INTEGER NOT NULL,
                    "UnitPriceFen" INTEGER NOT NULL,
                    "LineDiscountFen" INTEGER NOT NULL,
                    "OrderDiscountFen" INTEGER NOT NULL,
                    "PaidFen" INTEGER NOT NULL,
                    "RefundedFen" INTEGER NOT NULL,
                    CONSTRAINT "PK_OrderLines" PRIMARY KEY ("TenantId", "OrderId", "LineNo"){key}
                );
                INSERT INTO "ef_temp_OrderLines" ("TenantId", "OrderId", "LineNo", "Sku", "Name", "Category", "Quantity", "UnitPriceFen", "LineDiscountFen", "OrderDiscountFen", "PaidFen", "RefundedFen")
                SELECT "TenantId", "OrderId", "LineNo", "Sku", "Name", "Category", "Quantity", "UnitPriceFen", "LineDiscountFen", "OrderDiscountFen", "PaidFen", "RefundedFen" FROM "OrderLines";
                DROP TABLE "OrderLines";
                ALTER TABLE "ef_temp_OrderLines" RENAME TO "OrderLines";
                """);
        }
    }
}
