// Column (datareach/column.hpp): a view reads the holder's memory in place and keeps it
// alive; every write turns it into owned values first, so the holder's memory is never
// written; owned columns behave as vectors.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "datareach/column.hpp"
#include "datareach/model_data.hpp"

using datareach::Column;

namespace {

// Memory held by a shared_ptr, as the binding holds a NumPy array.
struct Held {
    std::shared_ptr<std::vector<double>> values = std::make_shared<std::vector<double>>(std::vector{1.0, 2.0, 3.0});
    Column<double> view() const { return Column<double>::view(values->data(), values->size(), values); }
};

}  // namespace

TEST(Column, ViewReadsInPlaceAndKeepsTheHolderAlive) {
    Held held;
    const Column<double> c = held.view();  // read through const: a non-const operator[] writes
    EXPECT_TRUE(c.is_view());
    EXPECT_EQ(c.data(), held.values->data());
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[1], 2.0);
    EXPECT_EQ(held.values.use_count(), 2);
    const double* where = held.values->data();
    held.values.reset();  // the view is now the only holder
    EXPECT_EQ(c.data(), where);
    EXPECT_EQ(c.back(), 3.0);
    Column<double> copy = c;  // a copy shares the view
    EXPECT_TRUE(copy.is_view());
    EXPECT_EQ(copy.data(), where);
}

TEST(Column, WritesCopyAViewFirst) {
    Held held;
    Column<double> c = held.view();
    c[0] = 9.0;
    EXPECT_FALSE(c.is_view());
    EXPECT_NE(c.data(), held.values->data());
    EXPECT_EQ((*held.values)[0], 1.0);
    EXPECT_EQ(c.to_vector(), (std::vector{9.0, 2.0, 3.0}));
    EXPECT_EQ(held.values.use_count(), 1);  // the copy released the holder

    Column<double> pushed = held.view();
    pushed.push_back(4.0);
    EXPECT_EQ(pushed.to_vector(), (std::vector{1.0, 2.0, 3.0, 4.0}));
    Column<double> erased = held.view();
    erased.erase(erased.begin() + 1);
    EXPECT_EQ(erased.to_vector(), (std::vector{1.0, 3.0}));
    Column<double> cleared = held.view();
    cleared.clear();
    EXPECT_TRUE(cleared.empty());
    EXPECT_EQ(*held.values, (std::vector{1.0, 2.0, 3.0}));
}

TEST(Column, OwnedValuesBehaveAsAVector) {
    Column<int> c = {1, 2};
    c.push_back(3);
    const std::vector more{4, 5};
    c.append(more.begin(), more.end());
    EXPECT_EQ(c.to_vector(), (std::vector{1, 2, 3, 4, 5}));
    Column<int> moved = std::move(c);
    EXPECT_EQ(moved.size(), 5u);
    EXPECT_TRUE(c.empty());  // NOLINT(bugprone-use-after-move): a moved-from column is empty
    Column<int> copy = moved;
    copy[0] = 7;
    EXPECT_EQ(moved[0], 1);
    copy = std::vector{8};
    EXPECT_EQ(copy.to_vector(), std::vector{8});
    copy.assign(3, 2);
    EXPECT_EQ(copy.to_vector(), (std::vector{2, 2, 2}));
    datareach::RaggedColumn ragged;
    ragged.push_row({1, 2});
    ragged.push_row({});
    EXPECT_EQ(ragged.rows(), 2u);
    EXPECT_EQ(ragged.size(0), 2u);
    EXPECT_EQ(ragged.size(1), 0u);
}
