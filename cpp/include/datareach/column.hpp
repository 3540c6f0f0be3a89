// One column of ModelData: values it owns, or a read-only view of memory another holder
// keeps alive. A front end that already holds the model's columns in typed arrays (the
// Python layer's NumPy tables) hands them to the core as views instead of copies: at 10^6
// access rows that is ~50 MB less, at the moment the model is compiled and for as long as the
// model is kept (docs/design.md decision 64).
//
// Reading is the same for both (a pointer and a size, no branch). Writing is for columns a
// C++ program fills: the vector-like writers below copy a view into owned values first, so a
// view is never written through. Read a view through a const reference (as every engine
// reads ModelData): on a non-const column, operator[] and back() are writers and copy it.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace datareach {

template <class T>
class Column {
public:
    using value_type = T;
    using const_iterator = const T*;

    Column() = default;
    Column(std::vector<T> values) : owned_(std::move(values)) { sync(); }  // NOLINT: implicit, like a vector
    Column(std::initializer_list<T> values) : owned_(values) { sync(); }
    Column(std::size_t count, const T& value) : owned_(count, value) { sync(); }

    // `size` values at `data`, which `owner` keeps valid and unchanged for the view's life.
    static Column view(const T* data, std::size_t size, std::shared_ptr<const void> owner) {
        Column c;
        c.owner_ = std::move(owner);
        c.data_ = data;
        c.size_ = size;
        return c;
    }

    Column(const Column& other) : owned_(other.owned_), owner_(other.owner_) {
        if (owner_) {
            data_ = other.data_;
            size_ = other.size_;
        } else {
            sync();
        }
    }
    Column(Column&& other) noexcept
        : owned_(std::move(other.owned_)), owner_(std::move(other.owner_)), data_(other.data_), size_(other.size_) {
        if (!owner_) sync();
        other.sync();
    }
    Column& operator=(Column other) noexcept {
        swap(other);
        return *this;
    }
    Column& operator=(std::initializer_list<T> values) { return *this = Column(values); }
    void swap(Column& other) noexcept {
        owned_.swap(other.owned_);
        owner_.swap(other.owner_);
        std::swap(data_, other.data_);
        std::swap(size_, other.size_);
    }

    bool is_view() const { return owner_ != nullptr; }

    // Reading.
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const T* data() const { return data_; }
    const T& operator[](std::size_t i) const { return data_[i]; }
    const T* begin() const { return data_; }
    const T* end() const { return data_ + size_; }
    const T& front() const { return data_[0]; }
    const T& back() const { return data_[size_ - 1]; }
    std::vector<T> to_vector() const { return std::vector<T>(begin(), end()); }

    // Writing (a view is copied into owned values first).
    T& operator[](std::size_t i) { return owned()[i]; }
    T& back() { return owned().back(); }
    void push_back(const T& value) {
        owned().push_back(value);
        sync();
    }
    template <class... Args>
    void emplace_back(Args&&... args) {
        owned().emplace_back(std::forward<Args>(args)...);
        sync();
    }
    void resize(std::size_t count, const T& value = T()) {
        owned().resize(count, value);
        sync();
    }
    void assign(std::size_t count, const T& value) {
        drop_view();
        owned_.assign(count, value);
        sync();
    }
    template <class It>
    void assign(It first, It last) {
        drop_view();
        owned_.assign(first, last);
        sync();
    }
    template <class It>
    void append(It first, It last) {
        owned().insert(owned_.end(), first, last);
        sync();
    }
    void erase(const_iterator position) {
        const auto index = position - data_;  // before a view is copied
        owned().erase(owned_.begin() + index);
        sync();
    }
    void clear() {
        drop_view();
        owned_.clear();
        sync();
    }

private:
    std::vector<T>& owned() {
        if (owner_) {
            owned_.assign(data_, data_ + size_);
            owner_.reset();
            sync();
        }
        return owned_;
    }
    void drop_view() { owner_.reset(); }
    void sync() {
        data_ = owned_.data();
        size_ = owned_.size();
    }

    std::vector<T> owned_;
    std::shared_ptr<const void> owner_;  // set for a view
    const T* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace datareach
