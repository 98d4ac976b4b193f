using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Guidelink.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Payouts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PayoutMismatches",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PayoutId = table.Column<Guid>(type: "TEXT", nullable: true),
                    OutBillNo = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    OurState = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ProviderState = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Detail = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PayoutMismatches", x => new { x.TenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "Payouts",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Holder = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    EarnerKind = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    EarnerId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    GrossFen = table.Column<long>(type: "INTEGER", nullable: false),
                    TaxFen = table.Column<long>(type: "INTEGER", nullable: false),
                    FeeFen = table.Column<long>(type: "INTEGER", nullable: false),
                    NetFen = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Provider = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    RequestedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ApprovalsRequired = table.Column<int>(type: "INTEGER", nullable: false),
                    FirstApprover = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    FirstApprovedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    SecondApprover = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    SecondApprovedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    RejectedBy = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    RejectReason = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    OutBillNo = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    TransferBillNo = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    PackageInfo = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    FailReason = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    FinishedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    ClaimedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    ClaimedUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Payouts", x => new { x.TenantId, x.Id });
                });

            migrationBuilder.CreateTable(
                name: "PayoutSettings",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Provider = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    MinimumFen = table.Column<long>(type: "INTEGER", nullable: false),
                    FeeBasisPoints = table.Column<int>(type: "INTEGER", nullable: false),
                    DailyCapFen = table.Column<long>(type: "INTEGER", nullable: true),
                    TaxBasisPoints = table.Column<int>(type: "INTEGER", nullable: false),
                    TaxThresholdFen = table.Column<long>(type: "INTEGER", nullable: false),
                    AutoApproveBelowFen = table.Column<long>(type: "INTEGER", nullable: false),
                    DualApprovalFromFen = table.Column<long>(type: "INTEGER", nullable: false),
                    MerchantCipher = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: true),
                    MerchantUpdatedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PayoutSettings", x => x.TenantId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PayoutMismatches_TenantId_At",
                table: "PayoutMismatches",
                columns: new[] { "TenantId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_Payouts_TenantId_Holder_RequestKey",
                table: "Payouts",
                columns: new[] { "TenantId", "Holder", "RequestKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Payouts_TenantId_OutBillNo",
                table: "Payouts",
                columns: new[] { "TenantId", "OutBillNo" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Payouts_TenantId_Status_NextAttemptAt",
                table: "Payouts",
                columns: new[] { "TenantId", "Status", "NextAttemptAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PayoutMismatches");

            migrationBuilder.DropTable(
                name: "Payouts");

            migrationBuilder.DropTable(
                name: "PayoutSettings");
        }
    }
}
