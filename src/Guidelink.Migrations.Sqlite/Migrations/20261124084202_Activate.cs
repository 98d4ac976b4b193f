using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Guidelink.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Activate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Categories",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Categories", x => new { x.TenantId, x.Code });
                });

            migrationBuilder.CreateTable(
                name: "CommissionRules",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RuleId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    EffectiveFrom = table.Column<long>(type: "INTEGER", nullable: false),
                    EffectiveTo = table.Column<long>(type: "INTEGER", nullable: true),
                    Definition = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CommissionRules", x => new { x.TenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "CommissionSettings",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReturnWindowDays = table.Column<int>(type: "INTEGER", nullable: false),
                    NegativeBalance = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    NewCustomerBountyFen = table.Column<long>(type: "INTEGER", nullable: false),
                    BountyDailyCapFen = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CommissionSettings", x => x.TenantId);
                });

            migrationBuilder.CreateTable(
                name: "LedgerPostings",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 120, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    OrderId = table.Column<Guid>(type: "TEXT", nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerPostings", x => new { x.TenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "Orders",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ExternalNo = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RequestHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    StoreId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RegionId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CustomerId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreditKind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    CreditId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreditNote = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    ReferralCode = table.Column<string>(type: "TEXT", maxLength: 30, nullable: true),
                    IsPromotion = table.Column<bool>(type: "INTEGER", nullable: false),
                    IsFirstOrder = table.Column<bool>(type: "INTEGER", nullable: false),
                    PlacedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PaidAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    SettleDueAt = table.Column<long>(type: "INTEGER", nullable: true),
                    SettledAt = table.Column<long>(type: "INTEGER", nullable: true),
                    OpenAfterSales = table.Column<int>(type: "INTEGER", nullable: false),
                    GoodsFen = table.Column<long>(type: "INTEGER", nullable: false),
                    LineDiscountFen = table.Column<long>(type: "INTEGER", nullable: false),
                    OrderDiscountFen = table.Column<long>(type: "INTEGER", nullable: false),
                    ShippingFen = table.Column<long>(type: "INTEGER", nullable: false),
                    TaxFen = table.Column<long>(type: "INTEGER", nullable: false),
                    PaidFen = table.Column<long>(type: "INTEGER", nullable: false),
                    RefundedFen = table.Column<long>(type: "INTEGER", nullable: false),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Orders", x => new { x.TenantId, x.Id });
                    table.ForeignKey(
                        name: "FK_Orders_Stores_TenantId_StoreId",
                        columns: x => new { x.TenantId, x.StoreId },
                        principalTable: "Stores",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "StatementDownloads",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Holder = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    From = table.Column<long>(type: "INTEGER", nullable: false),
                    To = table.Column<long>(type: "INTEGER", nullable: false),
                    HeadSeq = table.Column<long>(type: "INTEGER", nullable: false),
                    HeadHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Format = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    DownloadedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DownloadedBy = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StatementDownloads", x => new { x.TenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "Products",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Sku = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CategoryCode = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Products", x => new { x.TenantId, x.Sku });
                    table.ForeignKey(
                        name: "FK_Products_Categories_TenantId_CategoryCode",
                        columns: x => new { x.TenantId, x.CategoryCode },
                        principalTable: "Categories",
                        principalColumns: new[] { "TenantId", "Code" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "LedgerEntries",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PostingId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Holder = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Seq = table.Column<long>(type: "INTEGER", nullable: false),
                    Bucket = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    AmountFen = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    OrderId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CommissionLineId = table.Column<Guid>(type: "TEXT", nullable: true),
                    PrevHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    Hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LedgerEntries", x => new { x.TenantId, x.Id });
                    table.ForeignKey(
                        name: "FK_LedgerEntries_LedgerPostings_TenantId_PostingId",
                        columns: x => new { x.TenantId, x.PostingId },
                        principalTable: "LedgerPostings",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "CommissionLines",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrderId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LineNo = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    EarnerKind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    EarnerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RuleId = table.Column<Guid>(type: "TEXT", nullable: true),
                    RuleVersion = table.Column<int>(type: "INTEGER", nullable: true),
                    RuleName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Rate = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Tier = table.Column<string>(type: "TEXT", maxLength: 60, nullable: true),
                    BaseFen = table.Column<long>(type: "INTEGER", nullable: false),
                    AmountFen = table.Column<long>(type: "INTEGER", nullable: false),
                    ReversedFen = table.Column<long>(type: "INTEGER", nullable: false),
                    PlacedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    SettledAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ExplanationZh = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    ExplanationEn = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CommissionLines", x => new { x.TenantId, x.Id });
                    table.ForeignKey(
                        name: "FK_CommissionLines_Orders_TenantId_OrderId",
                        columns: x => new { x.TenantId, x.OrderId },
                        principalTable: "Orders",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "OrderEvents",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrderId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    RequestHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    AmountFen = table.Column<long>(type: "INTEGER", nullable: false),
                    RefundLines = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrderEvents", x => new { x.TenantId, x.Id });
                    table.ForeignKey(
                        name: "FK_OrderEvents_Orders_TenantId_OrderId",
                        columns: x => new { x.TenantId, x.OrderId },
                        principalTable: "Orders",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "OrderLines",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrderId = table.Column<Guid>(type: "TEXT", nullable: false),
                    LineNo = table.Column<int>(type: "INTEGER", nullable: false),
                    Sku = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Category = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    UnitPriceFen = table.Column<long>(type: "INTEGER", nullable: false),
                    LineDiscountFen = table.Column<long>(type: "INTEGER", nullable: false),
                    OrderDiscountFen = table.Column<long>(type: "INTEGER", nullable: false),
                    PaidFen = table.Column<long>(type: "INTEGER", nullable: false),
                    RefundedFen = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrderLines", x => new { x.TenantId, x.OrderId, x.LineNo });
                    table.ForeignKey(
                        name: "FK_OrderLines_Orders_TenantId_OrderId",
                        columns: x => new { x.TenantId, x.OrderId },
                        principalTable: "Orders",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CommissionLines_TenantId_EarnerId_PlacedAt",
                table: "CommissionLines",
                columns: new[] { "TenantId", "EarnerId", "PlacedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_CommissionLines_TenantId_OrderId_LineNo_Kind",
                table: "CommissionLines",
                columns: new[] { "TenantId", "OrderId", "LineNo", "Kind" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_CommissionRules_TenantId_RuleId_Version",
                table: "CommissionRules",
                columns: new[] { "TenantId", "RuleId", "Version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_TenantId_Holder_Bucket",
                table: "LedgerEntries",
                columns: new[] { "TenantId", "Holder", "Bucket" });

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_TenantId_Holder_Seq",
                table: "LedgerEntries",
                columns: new[] { "TenantId", "Holder", "Seq" },
                unique: true,
                filter: "\"Seq\" > 0");

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_TenantId_OrderId",
                table: "LedgerEntries",
                columns: new[] { "TenantId", "OrderId" });

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_TenantId_PostingId",
                table: "LedgerEntries",
                columns: new[] { "TenantId", "PostingId" });

            migrationBuilder.CreateIndex(
                name: "IX_LedgerPostings_TenantId_Key",
                table: "LedgerPostings",
                columns: new[] { "TenantId", "Key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OrderEvents_TenantId_OrderId_Kind_Key",
                table: "OrderEvents",
                columns: new[] { "TenantId", "OrderId", "Kind", "Key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Orders_TenantId_Channel_ExternalNo",
                table: "Orders",
                columns: new[] { "TenantId", "Channel", "ExternalNo" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Orders_TenantId_CreditId_PlacedAt",
                table: "Orders",
                columns: new[] { "TenantId", "CreditId", "PlacedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Orders_TenantId_CustomerId_PlacedAt",
                table: "Orders",
                columns: new[] { "TenantId", "CustomerId", "PlacedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Orders_TenantId_PlacedAt",
                table: "Orders",
                columns: new[] { "TenantId", "PlacedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Orders_TenantId_SettledAt_SettleDueAt",
                table: "Orders",
                columns: new[] { "TenantId", "SettledAt", "SettleDueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Orders_TenantId_StoreId",
                table: "Orders",
                columns: new[] { "TenantId", "StoreId" });

            migrationBuilder.CreateIndex(
                name: "IX_Products_TenantId_CategoryCode",
                table: "Products",
                columns: new[] { "TenantId", "CategoryCode" });

            migrationBuilder.CreateIndex(
                name: "IX_StatementDownloads_TenantId_Holder_DownloadedAt",
                table: "StatementDownloads",
                columns: new[] { "TenantId", "Holder", "DownloadedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CommissionLines");

            migrationBuilder.DropTable(
                name: "CommissionRules");

            migrationBuilder.DropTable(
                name: "CommissionSettings");

            migrationBuilder.DropTable(
                name: "LedgerEntries");

            migrationBuilder.DropTable(
                name: "OrderEvents");

            migrationBuilder.DropTable(
                name: "OrderLines");

            migrationBuilder.DropTable(
                name: "Products");

            migrationBuilder.DropTable(
                name: "StatementDownloads");

            migrationBuilder.DropTable(
                name: "LedgerPostings");

            migrationBuilder.DropTable(
                name: "Orders");

            migrationBuilder.DropTable(
                name: "Categories");
        }
    }
}
